import { SECONDS_PER_YEAR } from "./realizedVolatility.js";

/** Default confidence factor z of {@link targetHaircutBps}: one-sided 99 %. */
export const DEFAULT_HAIRCUT_Z = 2.33;
/** Default horizon of {@link targetHaircutBps}: 1 day, in seconds. */
export const DEFAULT_HAIRCUT_HORIZON_SECONDS = 24 * 60 * 60;
/** The hub's step window (`MarginHubExtension.HAIRCUT_STEP_WINDOW`): 24 hours. */
export const HAIRCUT_STEP_WINDOW_SECONDS = 24 * 60 * 60;
const BPS = 10_000;

/** Parameters of {@link targetHaircutBps}. */
export type TargetHaircutParameters = {
  /** Annualized realized volatility (a fraction). */
  sigma: number;
  minBps: number;
  maxBps: number;
  /** Confidence factor (default 2.33, one-sided 99 %). */
  z?: number;
  /** How long a move the haircut must cover, in seconds (default 1 day). */
  horizonSeconds?: number;
};

/**
 * The haircut that covers a `z`-sigma move over the horizon:
 * `clamp(ceil(10000 × z × σ × √(horizon / year)), minBps, maxBps)`. Non-decreasing in σ.
 *
 * @param parameters σ, the hub's bounds, z and horizon
 * @returns the target haircut in bps
 * @example
 * targetHaircutBps({ sigma: 0.8, minBps: 1000, maxBps: 3000 }); // 976 → clamped to 1000
 */
export function targetHaircutBps(parameters: TargetHaircutParameters): number {
  const z = parameters.z ?? DEFAULT_HAIRCUT_Z;
  const horizon = parameters.horizonSeconds ?? DEFAULT_HAIRCUT_HORIZON_SECONDS;
  const raw = Math.ceil(BPS * z * parameters.sigma * Math.sqrt(horizon / SECONDS_PER_YEAR));
  // NaN or ∞ (a broken σ) would slip through Math.min/max: treat as the most conservative.
  if (!Number.isFinite(raw)) return parameters.maxBps;
  return Math.min(parameters.maxBps, Math.max(parameters.minBps, raw));
}

/** The hub's `haircutRisk(chainId, token)`, as numbers. */
export type HaircutRiskView = {
  minBps: number;
  maxBps: number;
  maxStepBpsPerDay: number;
  anchorBps: number;
  windowStart: number;
};

/** Parameters of {@link haircutStep}. */
export type HaircutStepParameters = {
  currentBps: number;
  targetBps: number;
  risk: HaircutRiskView;
  /** The hub chain's latest block time, unix seconds. */
  now: number;
};

/** Return type of {@link haircutStep}: the haircut to propose, or why none. */
export type HaircutStepReturnType = { ok: true; proposedBps: number } | { ok: false; reason: string };

/**
 * One step from the current haircut towards the target, as far as the hub's step window lets it:
 * within `[anchor − step, anchor + step] ∩ [min, max]`, where the anchor is the haircut at the
 * window's start, or the current one when the window has ended (the next proposal opens a new one).
 *
 * @param parameters current and target haircut, the hub's view, the time
 * @returns the haircut to propose, or a reason (at the target, step used up, unreachable bounds)
 */
export function haircutStep(parameters: HaircutStepParameters): HaircutStepReturnType {
  const { currentBps, targetBps, risk, now } = parameters;
  if (risk.maxStepBpsPerDay === 0) return { ok: false, reason: "no haircut bounds on the hub" };
  const open = risk.windowStart !== 0 && now < risk.windowStart + HAIRCUT_STEP_WINDOW_SECONDS;
  const anchor = open ? risk.anchorBps : currentBps;
  const lo = Math.max(risk.minBps, anchor - risk.maxStepBpsPerDay);
  const hi = Math.min(risk.maxBps, anchor + risk.maxStepBpsPerDay);
  if (lo > hi)
    return {
      ok: false,
      reason: `bounds [${risk.minBps}, ${risk.maxBps}] out of a step's reach of ${anchor}`,
    };
  const proposedBps = Math.min(hi, Math.max(lo, targetBps));
  if (proposedBps === currentBps)
    return {
      ok: false,
      reason:
        currentBps === targetBps
          ? "at the target"
          : `step used up until ${new Date((risk.windowStart + HAIRCUT_STEP_WINDOW_SECONDS) * 1000).toISOString()}`,
    };
  return { ok: true, proposedBps };
}
