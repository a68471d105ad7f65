/**
 * A seeded pseudo-random source (mulberry32): the same seed gives the same sequence, so a chaos
 * test's plan (accounts, amounts, kill delays, proxy faults) is reproducible from its seed.
 *
 * @param seed any 32-bit integer
 * @returns a function giving numbers in [0, 1)
 * @example
 * const random = seededRandom(42);
 * const delayMs = 1_000 + Math.floor(random() * 3_000);
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A whole number in [min, max] from a random source.
 *
 * @param random a source such as {@link seededRandom}'s
 * @param min lowest value
 * @param max highest value (inclusive)
 * @returns the number
 */
export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
