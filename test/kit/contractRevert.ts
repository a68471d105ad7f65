import { BaseError, ContractFunctionRevertedError } from "viem";

/** A decoded contract revert: the custom error's name (or `Panic` / `Error`) and its arguments. */
export type ContractRevert = {
  /** e.g. `MarginHub_InvalidProof`, `Panic`, `SafeCastOverflowedUintToInt`. */
  errorName: string;
  /** Decoded arguments (a `Panic` has its code, e.g. `0x11n`). */
  args: readonly unknown[];
};

/** The outcome of a contract call: its result, or the revert it ended in. */
export type CallOutcome<T> = { ok: true; value: T } | { ok: false; revert: ContractRevert };

/** A revert without data, or with data that matches no error of the ABI. */
export class UndecodedRevertError extends Error {
  override name = "UndecodedRevertError";
}

/**
 * Decodes the revert of a viem contract call (`readContract`, `simulateContract`, `writeContract`)
 * through viem's `ContractFunctionRevertedError`.
 *
 * @param error what the call threw
 * @returns the error name and arguments
 * @throws the original error when it is not a contract revert (RPC down, …)
 * @throws {UndecodedRevertError} when the revert data matches no error in the ABI
 */
export function contractRevert(error: unknown): ContractRevert {
  if (!(error instanceof BaseError)) throw error;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError)) throw error;
  if (reverted.data === undefined) {
    throw new UndecodedRevertError(`revert without a decodable error: ${reverted.raw ?? "no data"}`);
  }
  return { errorName: reverted.data.errorName, args: reverted.data.args ?? [] };
}

/**
 * Runs a contract call and returns its value or its decoded revert, so tests can compare
 * outcomes instead of catching.
 *
 * @param call the call, e.g. `() => publicClient.readContract({ … })`
 * @returns `{ ok: true, value }` or `{ ok: false, revert }`
 */
export async function callOutcome<T>(call: () => Promise<T>): Promise<CallOutcome<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    return { ok: false, revert: contractRevert(error) };
  }
}
