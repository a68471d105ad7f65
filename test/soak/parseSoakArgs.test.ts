import { describe, expect, test } from "vitest";
import { parseSoakArgs } from "../../bench/soak/parseSoakArgs.js";

describe("parseSoakArgs", () => {
  test("--minutes N, with defaults for the rest; --flag=value works too", () => {
    expect(parseSoakArgs(["--minutes", "10"])).toEqual({ minutes: 10, basePort: 30_645, seed: 1 });
    expect(parseSoakArgs(["--minutes=0.5", "--base-port", "33555", "--seed=7"])).toEqual({
      minutes: 0.5,
      basePort: 33_555,
      seed: 7,
    });
  });

  test.each([
    [[], /--minutes: required/],
    [["--minutes"], /--minutes: expected a value/],
    [["--minutes", "0"], /--minutes: expected a positive number, got "0"/],
    [["--minutes", "-3"], /--minutes: expected a positive number, got "-3"/],
    [["--minutes", "ten"], /--minutes: expected a positive number, got "ten"/],
    [["--minutes", "1", "--hours", "2"], /unknown argument "--hours"/],
    [["--minutes", "1", "extra"], /unknown argument "extra"/],
    [
      ["--minutes", "1", "--base-port", "80"],
      /--base-port: expected an integer from 1024 to 65530, got "80"/,
    ],
  ])("%j is refused with a clear message", (argv, message) => {
    expect(() => parseSoakArgs(argv)).toThrow(message);
  });
});
