import type { Address } from "viem";

/** One account's health crossing a subscriber's threshold. */
export type HealthCrossing = {
  account: Address;
  /** "below": its health fell under the threshold (or was under it when the stream began); "above": back at or over it. */
  direction: "below" | "above";
  /** Health factor with 18 decimals now; null when the account no longer has a computable margin. */
  healthFactor: bigint | null;
};

/**
 * The crossings between two polls: accounts under the threshold now and not before ("below"), and
 * accounts under it before and not now ("above"), each in account order.
 *
 * @param before health of the accounts that were under the threshold at the last poll
 * @param now health of the accounts under it now
 * @param healthOf the current health of an account that left the set (null: not computable any more)
 * @returns the crossings, "above" first
 */
export function healthCrossings(
  before: ReadonlyMap<Address, bigint>,
  now: ReadonlyMap<Address, bigint>,
  healthOf: ReadonlyMap<Address, bigint | null>,
): HealthCrossing[] {
  const above = [...before.keys()]
    .filter((account) => !now.has(account))
    .sort()
    .map(
      (account): HealthCrossing => ({
        account,
        direction: "above",
        healthFactor: healthOf.get(account) ?? null,
      }),
    );
  const below = [...now]
    .filter(([account]) => !before.has(account))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([account, healthFactor]): HealthCrossing => ({ account, direction: "below", healthFactor }));
  return [...above, ...below];
}
