import { describe, expect, test } from "vitest";
import { isConnectionError } from "./isConnectionError.js";

describe("isConnectionError", () => {
  test("a refused, reset or closed connection, by code or message", () => {
    expect(isConnectionError(Object.assign(new Error("boom"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isConnectionError(new Error("connect ECONNREFUSED 127.0.0.1:6379"))).toBe(true);
    expect(isConnectionError(new Error("read ECONNRESET"))).toBe(true);
    expect(isConnectionError(new Error("Connection is closed."))).toBe(true);
  });
  test("a failure of the work itself is not", () => {
    expect(isConnectionError(new Error("Missing key for job 12. moveToFinished"))).toBe(false);
    expect(isConnectionError(Object.assign(new Error("nonce too low"), { code: -32000 }))).toBe(false);
  });
});
