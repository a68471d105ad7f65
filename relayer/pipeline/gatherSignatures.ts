import type { Address, Hex } from "viem";
import { sortSignatures } from "../../shared/eip712/sortSignatures.js";
import { isRetryable } from "../../shared/errors/isRetryable.js";
import type { Attester } from "../attester/types.js";
import type { Claim } from "../types.js";
import { type AttesterFailure, QuorumNotReachedError, QuorumRefusedError } from "./errors.js";

/** Parameters of {@link gatherSignatures}. */
export type GatherSignaturesParameters = {
  attesters: readonly Attester[];
  claim: Claim;
  /** Signatures needed. */
  threshold: number;
  /** How long one attester may take. */
  timeoutMs: number;
};

/**
 * Asks every attester at once and returns as soon as `threshold` of them signed (a slow or dead
 * attester does not hold up the quorum).
 *
 * @param parameters attesters, claim, threshold, per-attester timeout
 * @returns the first `threshold` signatures, sorted by signer and concatenated
 * @throws {QuorumNotReachedError} (retryable) when too few signed but more may sign later
 * @throws {QuorumRefusedError} (non-retryable) when more than `n − threshold` refused the claim
 */
export function gatherSignatures(parameters: GatherSignaturesParameters): Promise<Hex> {
  const { attesters, claim, threshold, timeoutMs } = parameters;
  return new Promise((resolve, reject) => {
    const signed: { signer: Address; signature: Hex }[] = [];
    const failures: AttesterFailure[] = [];
    let settled = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      if (signed.length >= threshold) {
        done = true;
        resolve(sortSignatures(signed.slice(0, threshold)));
        return;
      }
      const refused = failures.filter((f) => !f.retryable).length;
      if (refused > attesters.length - threshold) {
        done = true;
        reject(new QuorumRefusedError(threshold, failures));
      } else if (settled === attesters.length) {
        done = true;
        reject(new QuorumNotReachedError(signed.length, threshold, failures));
      }
    };
    if (attesters.length < threshold) {
      reject(
        new QuorumNotReachedError(0, threshold, [
          { attester: "-", error: `only ${attesters.length} attesters are reachable`, retryable: true },
        ]),
      );
      return;
    }
    for (const attester of attesters) {
      withTimeout(attester.attest(claim), timeoutMs, attester.address)
        .then((signature) => signed.push({ signer: attester.address, signature }))
        .catch((error: unknown) =>
          failures.push({
            attester: attester.address,
            error: error instanceof Error ? (error.message.split("\n")[0] ?? error.name) : String(error),
            retryable: isRetryable(error),
          }),
        )
        .finally(() => {
          settled += 1;
          finish();
        });
    }
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, who: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`attester ${who} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
