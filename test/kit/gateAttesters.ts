import type { Attester } from "../../relayer/attester/types.js";
import type { Claim } from "../../relayer/types.js";

/** Attesters behind a gate, and the gate's handles. */
export type GatedAttesters = {
  /** Pass these to `startRelayer` (same addresses, same signatures as the inner ones). */
  attesters: Attester[];
  /** From now on every `attest` call waits at the gate (or only those of claims `only` picks). */
  hold: (only?: (claim: Claim) => boolean) => void;
  /** Calls waiting at the gate now. */
  waiting: () => number;
  /** Fails every waiting call (a retryable error, as an unreachable attester) and opens the gate. */
  failWaiting: () => void;
};

/**
 * Wraps real attesters with a gate a test can close, so a fault (a Redis flush, a kill) lands
 * while a claim is provably in flight: the relayer has discovered, claimed and enqueued it, and
 * its attest job is running.
 *
 * @param inner the real attesters
 * @returns the wrapped attesters and the gate's handles
 */
export function gateAttesters(inner: readonly Attester[]): GatedAttesters {
  let holding = false;
  let picks: (claim: Claim) => boolean = () => true;
  const waiting = new Set<(error: Error) => void>();
  const attesters = inner.map(
    (attester): Attester => ({
      address: attester.address,
      attest: async (claim) => {
        if (holding && picks(claim)) {
          await new Promise<void>((_, reject) => {
            waiting.add(reject);
          });
        }
        return attester.attest(claim);
      },
    }),
  );
  return {
    attesters,
    hold: (only) => {
      holding = true;
      picks = only ?? (() => true);
    },
    waiting: () => waiting.size,
    failWaiting: () => {
      holding = false;
      for (const reject of waiting) reject(new Error("attester unreachable (held at the test's gate)"));
      waiting.clear();
    },
  };
}
