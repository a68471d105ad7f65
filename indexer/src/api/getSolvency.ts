import { collateralLine, hubCredit, hubHead, price } from "ponder:schema";
import type { Context } from "hono";
import { and, asc, eq, gt, sql } from "ponder";
import type { Address, Hex } from "viem";
import { BaseError } from "../../../shared/errors/BaseError.js";
import type { SumTree } from "../../../shared/solvency/buildSumTree.js";
import { sumTreeProof } from "../../../shared/solvency/sumTreeProof.js";
import { parseAddress } from "../../lib/api/parseRequest.js";
import {
  type SolvencyHead,
  type SolvencyRow,
  solvencyProofView,
  solvencyRootView,
  solvencyTree,
} from "../../lib/api/solvencyView.js";
import type { ReadDb } from "./readDb.js";

/** Parameters of {@link solvencyRoutes}. */
export type SolvencyRoutesParameters = {
  /** The API's (PGlite-safe) database. */
  db: ReadDb;
  /** The hub chain and the MarginHub address. */
  hubChainId: number;
  hub: Address;
  /** The leaf salt secret, and whether it was configured (`solvencySecret`). */
  secret: Hex;
  saltsSecret: boolean;
};

// A read that raced the indexer is tried again this many times before answering 503.
const ATTEMPTS = 3;

/**
 * `GET /solvency` (the root, the total, the leaf count and the hub block) and
 * `GET /solvency/:address` (that account's inclusion proof): a Merkle-sum tree over every
 * account's credited collateral value (`MarginHub.collateralValue(account).valueUsd`), as the
 * margin views price it, at the newest hub block the indexer has processed. 400 names a bad
 * address; 404 when the account has no credit; 503 before the indexer has recorded a hub block.
 *
 * @param parameters the database, the hub and the salt secret
 * @returns the two Hono handlers
 */
export function solvencyRoutes(parameters: SolvencyRoutesParameters) {
  const { db, hubChainId, hub } = parameters;
  // The head with the newest hub-chain block any credit or price row was written at: the figures
  // are at the head when the head is the same before and after they are read and no row is newer.
  const readHead = () =>
    db
      .select({
        number: hubHead.blockNumber,
        hash: hubHead.blockHash,
        timestamp: hubHead.timestamp,
        newestRow: sql<string | null>`greatest((SELECT max(${hubCredit.hubBlock}) FROM ${hubCredit}),
          (SELECT max(${price.blockNumber}) FROM ${price}))::text`,
      })
      .from(hubHead)
      .where(eq(hubHead.chainId, hubChainId));
  // Per account with a credit: Σ of its credited lines' value (collateral_line, the hub's
  // `valueAt(counted(credit))`), and whether a line is beyond uint256 (NULL there).
  const readValues = () =>
    db
      .select({
        account: collateralLine.account,
        value: sql<string | null>`sum(${collateralLine.creditedValueUsd})::text`,
        beyond: sql<number>`(count(*) - count(${collateralLine.creditedValueUsd}))::integer`,
      })
      .from(collateralLine)
      .where(and(eq(collateralLine.registered, true), gt(collateralLine.credited, 0n)))
      .groupBy(collateralLine.account)
      .orderBy(asc(collateralLine.account));

  type Snapshot =
    | { ok: true; head: SolvencyHead; tree: SumTree }
    | { ok: false; status: 500 | 503; error: string };
  const snapshot = async (): Promise<Snapshot> => {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const [before] = await readHead();
      if (before === undefined)
        return {
          ok: false,
          status: 503,
          error: "no hub block indexed yet (the indexer is still catching up); retry",
        };
      const rows = await readValues();
      const [after] = await readHead();
      const settled =
        after !== undefined &&
        after.number === before.number &&
        after.hash === before.hash &&
        BigInt(before.newestRow ?? 0) <= before.number &&
        BigInt(after.newestRow ?? 0) <= after.number;
      if (!settled) continue;
      const head: SolvencyHead = { chainId: hubChainId, hub, ...before };
      const values: SolvencyRow[] = rows.map((r) => ({
        account: r.account,
        value: r.beyond > 0 || r.value === null ? null : BigInt(r.value),
      }));
      try {
        return { ok: true, head, tree: solvencyTree({ rows: values, head, secret: parameters.secret }) };
      } catch (error) {
        if (error instanceof BaseError) return { ok: false, status: 500, error: error.shortMessage };
        throw error;
      }
    }
    return { ok: false, status: 503, error: "the indexer moved on while the report was read; retry" };
  };

  return {
    root: async (c: Context) => {
      const s = await snapshot();
      if (!s.ok) return c.json({ error: s.error }, s.status);
      return c.json(solvencyRootView(s.head, s.tree, parameters.saltsSecret));
    },
    proof: async (c: Context) => {
      const address = parseAddress(c.req.param("address"), "address");
      if (!address.ok) return c.json(address.bad, 400);
      const s = await snapshot();
      if (!s.ok) return c.json({ error: s.error }, s.status);
      const proof = sumTreeProof(s.tree, address.value);
      if (proof === undefined)
        return c.json(
          {
            error: `account ${address.value} has no hub credit at block ${s.head.number}: it is not in the solvency tree`,
            parameter: "address",
          },
          404,
        );
      return c.json(solvencyProofView(s.head, proof));
    },
  };
}
