import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./createLogger.js";

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, destination };
}

describe("createLogger", () => {
  it("writes one JSON object per line with name, word level, message and context", () => {
    const { lines, destination } = capture();
    const logger = createLogger({ name: "relayer", destination, env: {} });
    logger.info({ at: "deliver.submit", chainId: 31337 }, "batch sent");
    logger.debug({ at: "deliver.submit" }, "not shown at info");
    logger.error({ at: "deliver.submit", err: new Error("nonce too low") }, "send failed");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: "info",
      name: "relayer",
      at: "deliver.submit",
      chainId: 31337,
      msg: "batch sent",
    });
    expect(typeof lines[0]?.time).toBe("number");
    expect(lines[1]).toMatchObject({ level: "error", err: { type: "Error", message: "nonce too low" } });
  });

  it("takes the level from LOG_LEVEL, an explicit level winning", () => {
    const { lines, destination } = capture();
    createLogger({ name: "a", destination, env: { LOG_LEVEL: "debug" } }).debug("shown");
    createLogger({ name: "b", destination, env: { LOG_LEVEL: "debug" }, level: "warn" }).info("hidden");
    createLogger({ name: "c", destination, env: { LOG_LEVEL: "" } }).debug("hidden at the default info");
    expect(lines.map((l) => l.name)).toEqual(["a"]);
  });

  it("refuses an unknown level, naming where it came from", () => {
    expect(() => createLogger({ name: "x", env: { LOG_LEVEL: "verbose" } })).toThrow(
      'Invalid LOG_LEVEL: expected one of trace, debug, info, warn, error, fatal, silent, got "verbose".',
    );
    expect(() => createLogger({ name: "x", level: "loud", env: {} })).toThrow(
      "Invalid level: expected one of",
    );
  });
});
