import type { StartDevnetReturnType } from "./startDevnet.js";

/** A service that `npm run dev` starts once the chains are deployed (the indexer, the relayer, …). */
export type DevService = {
  /** Short name for progress lines, e.g. `indexer`. */
  name: string;
  /**
   * Starts the service against the running devnet.
   *
   * @param devnet the devnet (manifest, parsed config, paths)
   * @param log prints a progress line
   * @returns the running service
   */
  start: (devnet: StartDevnetReturnType, log: (message: string) => void) => Promise<RunningDevService>;
};

/** A started {@link DevService}. */
export type RunningDevService = {
  /** Stops the service; called in reverse start order on Ctrl-C. */
  stop: () => Promise<void>;
  /**
   * SIGKILLs the service's child processes at once and resolves when they are gone (a second
   * Ctrl-C, or a stop that takes too long); in-process parts end with the devnet process.
   */
  kill: () => Promise<void>;
  /** Lines added to the final summary (e.g. `API: http://127.0.0.1:42069`). */
  summary?: string[];
  /** Resolves if the service dies on its own (with the reason); the whole devnet then stops. */
  closed?: Promise<Error>;
};
