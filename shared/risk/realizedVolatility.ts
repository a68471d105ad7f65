/** Seconds in the year the volatility is annualized to (365 days). */
export const SECONDS_PER_YEAR = 365 * 24 * 60 * 60;
/** Default look-back window of {@link realizedVolatility}: 7 days. */
export const DEFAULT_VOLATILITY_WINDOW_SECONDS = 7 * 24 * 60 * 60;

/** One feed answer: what the indexer's `GET /prices/:feed/history` lists. */
export type PriceObservation = { answer: bigint; updatedAt: number };

/** Parameters of {@link realizedVolatility}. */
export type RealizedVolatilityParameters = {
  /** The feed's answers, in any order (non-positive answers are skipped). */
  observations: readonly PriceObservation[];
  /** The end of the window, unix seconds (the hub chain's latest block time). */
  now: number;
  /** Look-back in seconds (default 7 days): answers with `updatedAt ≥ now − window` count. */
  windowSeconds?: number;
};

/** Return type of {@link realizedVolatility}: σ per √year, or why there is none. */
export type RealizedVolatilityReturnType =
  | { ok: true; sigma: number; returns: number; elapsedSeconds: number }
  | { ok: false; reason: string };

/**
 * Realized volatility of a feed over a window: the log returns `r = ln(aᵢ / aᵢ₋₁)` between
 * consecutive answers, annualized by the time they actually span, `σ = √(Σ r² / T_years)` with
 * `T` from the window's first to its last answer. Using the elapsed time rather than a count of
 * periods keeps σ right for feeds that tick irregularly (deviation-triggered Chainlink feeds).
 *
 * @param parameters the answers, the window's end and length
 * @returns σ (annualized, a fraction: 0.8 = 80 %), or a reason when fewer than two answers in the
 *   window or none of them apart in time
 * @example
 * realizedVolatility({ observations: [{ answer: 100n, updatedAt: 0 }, { answer: 101n, updatedAt: 86_400 }], now: 86_400 });
 * // { ok: true, sigma: ≈ 0.19, returns: 1, elapsedSeconds: 86400 }
 */
export function realizedVolatility(parameters: RealizedVolatilityParameters): RealizedVolatilityReturnType {
  const window = parameters.windowSeconds ?? DEFAULT_VOLATILITY_WINDOW_SECONDS;
  const from = parameters.now - window;
  const points = parameters.observations
    .filter((o) => o.answer > 0n && o.updatedAt >= from && o.updatedAt <= parameters.now)
    .sort((a, b) => a.updatedAt - b.updatedAt);
  if (points.length < 2)
    return { ok: false, reason: `${points.length} answer(s) in the last ${window} s, need at least 2` };
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const elapsedSeconds = last.updatedAt - first.updatedAt;
  if (elapsedSeconds <= 0) return { ok: false, reason: "every answer in the window has the same updatedAt" };
  let sumSquares = 0;
  for (let i = 1; i < points.length; i++) {
    // The ratio of two answers is exact enough in doubles (each bigint → 16 significant digits).
    const r = Math.log(Number(points[i]!.answer) / Number(points[i - 1]!.answer));
    sumSquares += r * r;
  }
  const sigma = Math.sqrt(sumSquares / (elapsedSeconds / SECONDS_PER_YEAR));
  return { ok: true, sigma, returns: points.length - 1, elapsedSeconds };
}
