/** A withdrawal's state: requested (vault) → approved | rejected (hub) → released (vault, approvals only). */
export type WithdrawalStatus = "requested" | "approved" | "rejected" | "released";

const RANK: Record<WithdrawalStatus, number> = { requested: 0, approved: 1, rejected: 1, released: 2 };

/**
 * The later of two withdrawal states. Chains are indexed independently, so the hub's decision
 * may be indexed before the vault's request, or the vault's release before the hub's decision;
 * a state never moves back.
 *
 * @param current the stored state (undefined for a new row)
 * @param next the state an event implies
 * @returns the state to store
 * @example
 * advanceWithdrawalStatus("released", "requested"); // "released"
 */
export function advanceWithdrawalStatus(
  current: WithdrawalStatus | undefined,
  next: WithdrawalStatus,
): WithdrawalStatus {
  if (current === undefined) return next;
  return RANK[next] > RANK[current] ? next : current;
}

/**
 * Narrows a stored status text.
 *
 * @param value the `withdrawal.status` column
 * @returns the status
 * @throws {Error} for a value the indexer never writes
 */
export function parseWithdrawalStatus(value: string): WithdrawalStatus {
  if (isWithdrawalStatus(value)) return value;
  throw new Error(`unknown withdrawal status ${JSON.stringify(value)}`);
}

function isWithdrawalStatus(value: string): value is WithdrawalStatus {
  return Object.hasOwn(RANK, value);
}
