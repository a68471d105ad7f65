import { describe, expect, it } from "vitest";
import { BaseError, ConfigError, NonRetryableError, RetryableError } from "./BaseError.js";
import { isRetryable } from "./isRetryable.js";

class FeedDownError extends RetryableError {
  override name = "FeedDownError";
}

class BadInputError extends NonRetryableError {
  override name = "BadInputError";
}

describe("BaseError", () => {
  it("builds the message from short message, meta messages and details", () => {
    const error = new BadInputError("Bad input.", { metaMessages: ["field: x"], details: "more" });
    expect(error.message).toBe("Bad input.\n\nfield: x\n\nDetails: more");
    expect(error.shortMessage).toBe("Bad input.");
    expect(error.details).toBe("more");
    expect(error.name).toBe("BadInputError");
    expect(error).toBeInstanceOf(BaseError);
    expect(error).toBeInstanceOf(Error);
  });

  it("takes details from the cause and walks the cause chain", () => {
    const root = new Error("socket hang up");
    const middle = new FeedDownError("Feed down.", { cause: root });
    const top = new BadInputError("Gave up.", { cause: middle });
    expect(middle.details).toBe("socket hang up");
    expect(top.details).toBe("socket hang up");
    expect(top.cause).toBe(middle);
    expect(top.walk()).toBe(root);
    expect(top.walk((e) => e instanceof FeedDownError)).toBe(middle);
    expect(top.walk((e) => e instanceof TypeError)).toBeNull();
  });

  it("splits at the root into retryable and non-retryable", () => {
    expect(new FeedDownError("x").retryable).toBe(true);
    expect(new BadInputError("x").retryable).toBe(false);
    expect(isRetryable(new FeedDownError("x"))).toBe(true);
    expect(isRetryable(new BadInputError("x"))).toBe(false);
    expect(isRetryable(new Error("unknown", { cause: new BadInputError("x") }))).toBe(false); // wrapped
    expect(isRetryable(new Error("ECONNRESET"))).toBe(true); // unknown errors: retry
    expect(isRetryable("a string")).toBe(true);
  });
});

describe("ConfigError", () => {
  it("lists every issue as path: message and keeps them", () => {
    const issues = [
      { path: "chains.1.rpcUrl", message: 'expected a URL, got "nope"' },
      { path: "", message: "expected a JSON object" },
    ];
    const error = new ConfigError("Invalid config.", issues);
    expect(error.message).toBe(
      'Invalid config.\n\nchains.1.rpcUrl: expected a URL, got "nope"\nexpected a JSON object',
    );
    expect(error.issues).toEqual(issues);
    expect(error.retryable).toBe(false);
    expect(error.name).toBe("ConfigError");
  });
});
