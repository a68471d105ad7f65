import { expect } from "vitest";
import type { ChainClients } from "./chainClients.js";
import { type CompareCreditsReturnType, compareCredits } from "./compareCredits.js";
import type { PlannedDeposit } from "./depositForMany.js";
import { pollUntil } from "./pollUntil.js";
import { readBalanceCredits } from "./readBalanceCredits.js";

/** The chains a credit check reads. */
export type CreditChains = { hub: ChainClients; chains: readonly ChainClients[] };

/**
 * Polls until the hub credits every (account, chain, token) of `deposits` exactly as the vault
 * holds it and the deposits add up.
 *
 * @param chains the hub and the vault chains
 * @param deposits the deposits made
 * @param timeoutMs how long to wait
 * @returns the final comparison (no mismatches)
 */
export function waitUntilCredited(
  chains: CreditChains,
  deposits: readonly PlannedDeposit[],
  timeoutMs: number,
): Promise<CompareCreditsReturnType> {
  return pollUntil(
    () => compareCredits({ ...chains, deposits }),
    (result) => result.mismatches.length === 0,
    { timeoutMs, intervalMs: 1_000, what: "every deposit credited on the hub" },
  );
}

/**
 * The on-chain truth a relayer test ends on: hub credit = vault state = deposits for every key,
 * the sums per (chain, token) agree (nothing applied twice), and the hub's whole credit history
 * credited each (account, chain, token) at most once per seq, with rising seqs.
 *
 * @param chains the hub and the vault chains
 * @param deposits the deposits made
 * @param result a comparison of them ({@link waitUntilCredited})
 * @param minKeys fewest distinct keys the deposits must have touched (default 20)
 */
export async function expectCreditedOnce(
  chains: CreditChains,
  deposits: readonly PlannedDeposit[],
  result: CompareCreditsReturnType,
  minKeys = 20,
): Promise<void> {
  expect(result.mismatches).toEqual([]);
  expect(result.keys).toBeGreaterThan(minKeys);
  for (const [key, total] of result.totals) {
    expect({ key, hub: total.hub, vault: total.vault }).toEqual({
      key,
      hub: total.expected,
      vault: total.expected,
    });
  }
  expect([...result.totals.values()].reduce((n, t) => n + t.expected, 0n)).toBe(
    deposits.reduce((n, d) => n + d.amount, 0n),
  );
  const accounts = new Set(deposits.map((d) => d.account));
  const history = (await readBalanceCredits(chains.hub)).filter((c) => accounts.has(c.account));
  const lastSeq = new Map<string, bigint>();
  for (const credit of history) {
    const key = `${credit.chainId}:${credit.account}:${credit.token}`;
    expect(credit.seq, `credit of ${key}`).toBeGreaterThan(lastSeq.get(key) ?? 0n);
    lastSeq.set(key, credit.seq);
  }
  expect(lastSeq.size).toBe(result.keys);
}
