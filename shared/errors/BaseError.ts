/** Parameters shared by every crossmargin error. */
export type BaseErrorParameters = {
  /** The underlying error, kept as `cause` and walked by {@link BaseError.walk}. */
  cause?: unknown;
  /** Extra detail appended to the message; defaults to the cause's message. */
  details?: string | undefined;
  /** Lines printed between the short message and the details (context, hints). */
  metaMessages?: string[] | undefined;
  /** Overrides the class's `name`. */
  name?: string | undefined;
};

/**
 * Root of every error crossmargin throws on purpose (viem `BaseError` style).
 *
 * The tree splits at the root into {@link RetryableError} (try again later: an RPC hiccup, a
 * stale price) and {@link NonRetryableError} (retrying cannot help: bad config, bad bytes). A
 * queue worker turns the latter into BullMQ's `UnrecoverableError`.
 *
 * @example
 * class FeedDownError extends RetryableError {
 *   override name = "FeedDownError";
 *   constructor(feed: string) {
 *     super(`Price feed ${feed} is down.`);
 *   }
 * }
 */
export abstract class BaseError extends Error {
  /** One-line summary, without meta messages or details. */
  readonly shortMessage: string;
  /** Detail text (the cause's message when there is a cause). */
  readonly details: string;
  /** Context lines printed under the short message. */
  readonly metaMessages: string[] | undefined;
  /** Whether the operation that threw may succeed if retried unchanged. */
  abstract readonly retryable: boolean;
  override name = "BaseError";

  /**
   * @param shortMessage one-line summary
   * @param args cause, details and meta messages
   */
  constructor(shortMessage: string, args: BaseErrorParameters = {}) {
    const details = detailsOf(args);
    const message = [
      shortMessage || "An error occurred.",
      ...(args.metaMessages && args.metaMessages.length > 0 ? ["", ...args.metaMessages] : []),
      ...(details ? ["", `Details: ${details}`] : []),
    ].join("\n");
    super(message, args.cause === undefined ? undefined : { cause: args.cause });
    this.shortMessage = shortMessage;
    this.details = details;
    this.metaMessages = args.metaMessages;
    if (args.name !== undefined) this.name = args.name;
  }

  /**
   * Walks the `cause` chain.
   *
   * @param fn predicate; when given, returns the first error (this one included) it accepts, else `null`
   * @returns the deepest cause when `fn` is omitted
   */
  walk(): unknown;
  walk(fn: (err: unknown) => boolean): unknown;
  walk(fn?: (err: unknown) => boolean): unknown {
    return walk(this, fn);
  }
}

/** Errors worth retrying unchanged later (transient conditions). */
export abstract class RetryableError extends BaseError {
  readonly retryable = true;
  override name = "RetryableError";
}

/** Errors that retrying cannot fix (invalid input, invalid config, a bug). */
export abstract class NonRetryableError extends BaseError {
  readonly retryable = false;
  override name = "NonRetryableError";
}

/** One problem found in a config: where, and what was wrong. */
export type ConfigIssue = {
  /** Dotted path of the offending field, e.g. `chains.31337.rpcUrl` (empty for the root). */
  path: string;
  /** What was expected and what was received. */
  message: string;
};

/**
 * The crossmargin config is missing or invalid. The message lists every problem found, one per
 * line, as `path: message`.
 */
export class ConfigError extends NonRetryableError {
  override name = "ConfigError";
  /** Every problem found. */
  readonly issues: readonly ConfigIssue[];

  /**
   * @param shortMessage one-line summary
   * @param issues every problem found (listed in the message)
   * @param args extra meta messages or a cause
   */
  constructor(shortMessage: string, issues: readonly ConfigIssue[], args: BaseErrorParameters = {}) {
    super(shortMessage, {
      ...args,
      metaMessages: [
        ...issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)),
        ...(args.metaMessages ?? []),
      ],
    });
    this.issues = issues;
  }
}

function detailsOf(args: BaseErrorParameters): string {
  if (args.cause instanceof BaseError) return args.cause.details || args.cause.shortMessage;
  if (args.cause instanceof Error) return args.cause.message;
  return args.details ?? "";
}

function walk(err: unknown, fn?: (err: unknown) => boolean): unknown {
  if (fn?.(err)) return err;
  if (err && typeof err === "object" && "cause" in err && err.cause !== undefined) return walk(err.cause, fn);
  return fn ? null : err;
}
