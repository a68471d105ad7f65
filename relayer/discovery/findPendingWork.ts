import type { Client } from "@ponder/client";
import { and, asc, eq, gt, inArray, isNull, lt, or, sql } from "@ponder/client";
import { type Address, getAddress, type Hex } from "viem";
import type { SentPacketClaim, SentPacketKind } from "../types.js";
import { collateralBalance, hubCredit, relayMessage, waitingLeaf } from "./indexerTables.js";

/** Tables the discovery queries need, as `createClient`'s schema. */
export const discoverySchema = { collateralBalance, hubCredit, relayMessage, waitingLeaf };

/** A `@ponder/client` client over {@link discoverySchema}. */
export type DiscoveryClient = Client<typeof discoverySchema>;

/** An (account, token) on a vault chain whose indexed seq is ahead of what the hub credited. */
export type BalanceCandidate = {
  chainId: number;
  account: Address;
  token: Address;
  /** The vault's latest indexed seq (it may not be final yet). */
  indexedSeq: bigint;
  /** The seq the hub credited, or -1 when it never credited the key. */
  creditedSeq: bigint;
  /** Vault-chain time of the indexed change (seconds), for route lag. */
  sourceTimestamp: bigint;
};

/** Parameters of {@link findPendingWork}. */
export type FindPendingWorkParameters = {
  client: DiscoveryClient;
  /** The hub chain (destination of every balance). */
  hubChainId: number;
  /** Vault chains whose balances are relayed (the hub chain's own vault included). */
  vaultChainIds: readonly number[];
  /** Per chain: the newest final block (packets sent after it are not relayed yet). */
  finalBlocks: ReadonlyMap<number, bigint>;
  /** Most balance candidates per chain in one round (the rest come next round). */
  limit?: number;
};

/** Return type of {@link findPendingWork}. */
export type FindPendingWorkReturnType = {
  balances: BalanceCandidate[];
  /** Packets sent by a vault or the hub, final at their source and not yet delivered, by nonce. */
  packets: SentPacketClaim[];
  /** Source block time (seconds) of each packet, by guid. */
  packetTimes: Map<string, bigint>;
  /** Per route (`"<src>-><dst>"`): work items waiting (final or not) and the oldest one's source time. */
  routes: Map<string, RouteBacklog>;
};

/** What waits on one route. */
export type RouteBacklog = { pending: number; oldestTimestamp: bigint };

const PACKET_KINDS: readonly SentPacketKind[] = [
  "withdrawal_request",
  "approve_withdrawal",
  "reject_withdrawal",
  "seize",
];

/**
 * Asks the indexer (through `@ponder/client`) what is waiting to cross:
 * - per vault chain, the (account, token) keys whose seq is ahead of the hub-credited seq (the
 *   caller reads their state at a final block before it batches them: the indexer only points);
 * - packets (`PacketSent`) the indexer saw at their source but not at their destination, sent at
 *   or below the source chain's final block.
 *
 * @param parameters client, chains, final blocks
 * @returns balance candidates and sent packets
 */
export async function findPendingWork(
  parameters: FindPendingWorkParameters,
): Promise<FindPendingWorkReturnType> {
  const { client, finalBlocks } = parameters;
  const limit = parameters.limit ?? 10_000;
  const balances = (
    await Promise.all(
      parameters.vaultChainIds.map((chainId) => findBalanceCandidates(client, chainId, limit)),
    )
  ).flat();

  const rows = await client.db
    .select()
    .from(relayMessage)
    .where(and(eq(relayMessage.status, "observed"), inArray(relayMessage.kind, [...PACKET_KINDS])))
    .orderBy(asc(relayMessage.route), asc(relayMessage.nonce))
    .limit(limit);
  const packets: SentPacketClaim[] = [];
  const packetTimes = new Map<string, bigint>();
  const routes = new Map<string, RouteBacklog>();
  const note = (route: string, timestamp: bigint) => {
    const backlog = routes.get(route) ?? { pending: 0, oldestTimestamp: timestamp };
    backlog.pending += 1;
    if (timestamp < backlog.oldestTimestamp) backlog.oldestTimestamp = timestamp;
    routes.set(route, backlog);
  };
  for (const candidate of balances)
    note(`${candidate.chainId}->${parameters.hubChainId}`, candidate.sourceTimestamp);
  for (const row of rows) {
    note(row.route, row.sourceTimestamp ?? 0n);
    const final = finalBlocks.get(row.srcEid);
    if (row.packet === null || row.nonce === null || row.sourceBlock === null) continue;
    if (final === undefined || row.sourceBlock > final) continue; // not final at its source yet
    packetTimes.set(row.guid, row.sourceTimestamp ?? 0n);
    packets.push({
      kind: row.kind as SentPacketKind, // filtered by `inArray(kind, PACKET_KINDS)` above
      srcChainId: row.srcEid,
      dstChainId: row.dstEid,
      packet: row.packet as Hex, // Ponder stores hex columns as lowercase 0x strings
      guid: row.guid as Hex,
      nonce: row.nonce.toString(),
      sourceBlock: row.sourceBlock.toString(),
      sourceTxHash: (row.sourceTxHash ?? undefined) as Hex | undefined,
    });
  }
  return { balances, packets, packetTimes, routes };
}

async function findBalanceCandidates(
  client: DiscoveryClient,
  chainId: number,
  limit: number,
): Promise<BalanceCandidate[]> {
  const rows = await client.db
    .select({
      account: collateralBalance.account,
      token: collateralBalance.token,
      seq: collateralBalance.seq,
      sourceTimestamp: collateralBalance.sourceTimestamp,
      // Aliased: @ponder/client maps result rows by column name, so a second `seq` would clobber the first.
      creditedSeq: sql<string | null>`${hubCredit.seq}::text`.as("credited_seq"),
    })
    .from(collateralBalance)
    .leftJoin(
      hubCredit,
      and(
        eq(hubCredit.account, collateralBalance.account),
        eq(hubCredit.chainId, collateralBalance.chainId),
        eq(hubCredit.token, collateralBalance.token),
      ),
    )
    // Figures waiting at the hub for the route's limit are not sent again until the vault moves on.
    .leftJoin(
      waitingLeaf,
      and(
        eq(waitingLeaf.account, collateralBalance.account),
        eq(waitingLeaf.chainId, collateralBalance.chainId),
        eq(waitingLeaf.token, collateralBalance.token),
      ),
    )
    .where(
      and(
        eq(collateralBalance.chainId, chainId),
        gt(collateralBalance.seq, 0n),
        or(isNull(hubCredit.seq), lt(hubCredit.seq, collateralBalance.seq)),
        or(isNull(waitingLeaf.seq), lt(waitingLeaf.seq, collateralBalance.seq)),
      ),
    )
    .orderBy(asc(collateralBalance.sourceTimestamp))
    .limit(limit);
  return rows.map((row) => ({
    chainId,
    account: getAddress(row.account),
    token: getAddress(row.token),
    indexedSeq: row.seq,
    creditedSeq: row.creditedSeq === null ? -1n : BigInt(row.creditedSeq),
    sourceTimestamp: row.sourceTimestamp,
  }));
}
