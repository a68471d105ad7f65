/** Parameters of {@link createRoundScheduler}. */
export type CreateRoundSchedulerParameters = {
  /** How long after the first unserved trigger a round starts (the batch window: more work may join). */
  windowMs: number;
  /** One round (must not throw). */
  run: () => Promise<void>;
  /** The clock (tests pass a fake one). */
  now?: () => number;
};

/** Return type of {@link createRoundScheduler}. */
export type RoundScheduler = {
  /** Something may have changed: a round starts `windowMs` after the first trigger no round has served yet. */
  trigger: () => void;
  /** No more rounds (one in progress finishes). */
  stop: () => void;
};

/**
 * Runs rounds (discovery) on triggers, never two at once. Triggers within `windowMs` of the first
 * unserved one share one round, which starts `windowMs` after that first trigger; a trigger
 * during a round is served by the next round, which starts as soon as the running one ends if its
 * window has already passed by then (a slow round must not add a whole window to the work that
 * arrived while it ran).
 *
 * @param parameters window and round
 * @returns `trigger` and `stop`
 * @example
 * const rounds = createRoundScheduler({ windowMs: 250, run: discover });
 * client.watchBlockNumber({ onBlockNumber: rounds.trigger });
 */
export function createRoundScheduler(parameters: CreateRoundSchedulerParameters): RoundScheduler {
  const now = parameters.now ?? Date.now;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let stopped = false;
  /** When the first trigger that no round has served yet came (undefined: none waits). */
  let waitingSince: number | undefined;

  const arm = () => {
    if (stopped || running || timer !== undefined || waitingSince === undefined) return;
    const delay = Math.max(0, waitingSince + parameters.windowMs - now());
    timer = setTimeout(() => void fire(), delay);
  };
  const fire = async () => {
    timer = undefined;
    if (stopped) return;
    running = true;
    waitingSince = undefined; // this round serves every trigger so far
    try {
      await parameters.run();
    } finally {
      running = false;
      arm();
    }
  };
  return {
    trigger: () => {
      if (stopped) return;
      waitingSince ??= now();
      arm();
    },
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
