import { ConfigError } from "../errors/BaseError.js";

/** Parameters of {@link finalBlock}. */
export type FinalBlockParameters = {
  /** The chain's head block number, as this process's own RPC reports it. */
  head: bigint;
  /** Blocks after which a block counts as final (0 = at once; `ChainConfig.finalityDepth`). */
  finalityDepth: number;
};

/** Parameters of {@link isFinal}. */
export type IsFinalParameters = FinalBlockParameters & {
  /** The block in question. */
  block: bigint;
};

/**
 * The newest final block of a chain: `head − finalityDepth`, never below 0 (the genesis block
 * cannot be reorganised, so it counts as final even on a chain shorter than its depth). The one
 * definition of "final" that discovery and the attesters share.
 *
 * @param parameters the head and the finality depth
 * @returns the newest final block
 * @throws {ConfigError} when the depth is not an integer ≥ 0 (a negative one would make future blocks final)
 * @example
 * finalBlock({ head: 100n, finalityDepth: 2 }); // 98n
 */
export function finalBlock(parameters: FinalBlockParameters): bigint {
  const { head, finalityDepth } = parameters;
  if (!Number.isSafeInteger(finalityDepth) || finalityDepth < 0) {
    throw new ConfigError("Bad finality depth.", [
      { path: "finalityDepth", message: `expected an integer ≥ 0, got ${finalityDepth}` },
    ]);
  }
  const cutoff = head - BigInt(finalityDepth);
  return cutoff < 0n ? 0n : cutoff;
}

/**
 * Whether a block is final: at or below {@link finalBlock} of the head.
 *
 * @param parameters the block, the head and the finality depth
 * @returns `block ≤ max(head − finalityDepth, 0)`
 * @throws {ConfigError} when the depth is not an integer ≥ 0
 * @example
 * isFinal({ block: 98n, head: 100n, finalityDepth: 2 }); // true
 * isFinal({ block: 99n, head: 100n, finalityDepth: 2 }); // false
 */
export function isFinal(parameters: IsFinalParameters): boolean {
  return parameters.block <= finalBlock(parameters);
}
