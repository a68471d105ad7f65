import type { Context } from "ponder:registry";

/** The store handlers write through (`context.db`): `find`/`insert`/`update`/`delete` and raw `sql`. */
export type IndexerDb = Context["db"];

/** The handlers' cached, block-pinned RPC client (`context.client`). */
export type IndexerClient = Context["client"];

/** Where and when a change happened: the event's chain, block and block time. */
export type ChangeAt = { chainId: number; block: bigint; timestamp: bigint };
