import { describe, expect, test } from "vitest";
import { throttledWarning } from "./throttledWarning.js";

describe("throttledWarning", () => {
  test("logs the first error, then one line per interval counting the ones left out", () => {
    const lines: { fields: Record<string, unknown>; message: string }[] = [];
    const logger = {
      warn: (fields: Record<string, unknown>, message: string) => lines.push({ fields, message }),
    };
    let clock = 1_000;
    const onError = throttledWarning(logger as never, {
      at: "relayer.redis",
      message: "Redis unavailable; retrying",
      everyMs: 10_000,
      now: () => clock,
    });
    onError(new Error("connect ECONNREFUSED 127.0.0.1:6379"));
    for (let i = 0; i < 5; i++) {
      clock += 1_000;
      onError(new Error("connect ECONNREFUSED 127.0.0.1:6379"));
    }
    expect(lines).toHaveLength(1);
    clock = 11_000;
    onError(new Error("Connection is closed."));
    expect(lines).toEqual([
      {
        fields: { at: "relayer.redis", err: "connect ECONNREFUSED 127.0.0.1:6379", suppressed: 0 },
        message: "Redis unavailable; retrying",
      },
      {
        fields: { at: "relayer.redis", err: "Connection is closed.", suppressed: 5 },
        message: "Redis unavailable; retrying",
      },
    ]);
  });
});
