/**
 * Relayer settings of the send/receipt tests: quick rounds, fees bumped after 4 s without a
 * receipt, and jobs locked 5 s, so a killed process's delivery is taken over within two of those
 * (BullMQ's default lock is 30 s).
 */
export const SEND_TEST_RELAYER_SETTINGS = {
  port: 0,
  reconcileIntervalMs: 1_000,
  batchWindowMs: 200,
  receiptTimeoutMs: 4_000,
  feeBumpPercent: 25,
  maxFeeBumps: 5,
  lockDurationMs: 5_000,
} as const;
