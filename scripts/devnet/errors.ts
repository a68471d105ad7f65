import { NonRetryableError } from "../../shared/errors/BaseError.js";

/** Another devnet holds the lock of this devnet directory. */
export class DevnetLockedError extends NonRetryableError {
  override name = "DevnetLockedError";
  /** Pid of the process that holds the lock. */
  readonly pid: number;

  /**
   * @param pid the running devnet's pid
   * @param lockPath the lock file
   */
  constructor(pid: number, lockPath: string) {
    super(`A devnet is already running (pid ${pid}).`, {
      metaMessages: [
        `Lock file: ${lockPath}`,
        `Stop it with Ctrl-C in its terminal, or run \`kill ${pid}\`, then start again.`,
      ],
    });
    this.pid = pid;
  }
}

/** A port a chain needs is taken by another process. */
export class PortInUseError extends NonRetryableError {
  override name = "PortInUseError";
  /** The busy port. */
  readonly port: number;
  /** The chain that needed it. */
  readonly chainId: number;

  /**
   * @param port the busy port
   * @param chainId the chain that was to listen on it
   */
  constructor(port: number, chainId: number) {
    super(`Port ${port} (for chain ${chainId}) is already in use.`, {
      metaMessages: [
        `Stop whatever listens on 127.0.0.1:${port} (\`lsof -i :${port}\` shows it),`,
        "or pick other ports with --base-port.",
      ],
    });
    this.port = port;
    this.chainId = chainId;
  }
}

/** An anvil process ended, or never answered, while the devnet needed it. */
export class AnvilError extends NonRetryableError {
  override name = "AnvilError";
  /** The anvil's chain. */
  readonly chainId: number;

  /**
   * @param chainId the anvil's chain
   * @param shortMessage what happened
   * @param output the last lines anvil wrote to stderr, if any
   */
  constructor(chainId: number, shortMessage: string, output: string) {
    super(shortMessage, { details: output.trim() || undefined });
    this.chainId = chainId;
  }
}

/** A deployment or configuration transaction failed. */
export class DeployError extends NonRetryableError {
  override name = "DeployError";
  /** The chain the transaction was for. */
  readonly chainId: number;
  /** Which step failed (e.g. `MarginHub.setVault(31338)`). */
  readonly step: string;

  /**
   * @param chainId the chain
   * @param step the failed step's label
   * @param reason what went wrong (a decoded revert, or the RPC error's summary)
   */
  constructor(chainId: number, step: string, reason: string) {
    super(`Deploying on chain ${chainId} failed at ${step}: ${reason}`);
    this.chainId = chainId;
    this.step = step;
  }
}

/** A command-line flag of `npm run dev` is unknown or has a bad value. */
export class DevArgsError extends NonRetryableError {
  override name = "DevArgsError";

  /** @param shortMessage what is wrong with the arguments */
  constructor(shortMessage: string) {
    super(shortMessage, { metaMessages: ["Run `npm run dev -- --help` for the options."] });
  }
}

/** An option of `startDevnet` is out of range or inconsistent. */
export class DevnetOptionError extends NonRetryableError {
  override name = "DevnetOptionError";

  /** @param shortMessage which option is wrong and why */
  constructor(shortMessage: string) {
    super(shortMessage);
  }
}
