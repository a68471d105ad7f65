import { describe, expect, test } from "vitest";
import { DevArgsError } from "./errors.js";
import { parseDevArgs } from "./parseDevArgs.js";

describe("parseDevArgs", () => {
  test("fills the defaults", () => {
    expect(parseDevArgs([])).toEqual({
      help: false,
      vaultChains: 2,
      blockTimeSeconds: 1,
      basePort: 8545,
      finalityDepth: 2,
    });
  });

  test("reads `--flag value` and `--flag=value`", () => {
    expect(
      parseDevArgs(["--vault-chains", "3", "--block-time=0.5", "--base-port", "9000", "--finality-depth=0"]),
    ).toEqual({ help: false, vaultChains: 3, blockTimeSeconds: 0.5, basePort: 9000, finalityDepth: 0 });
  });

  test("accepts --block-time 0 (automine) and -h", () => {
    expect(parseDevArgs(["--block-time", "0", "-h"])).toMatchObject({ help: true, blockTimeSeconds: 0 });
  });

  test.each([
    [["--vault-chains", "0"], 'Option --vault-chains expects an integer from 1 to 32, got "0".'],
    [["--vault-chains", "2.5"], 'Option --vault-chains expects an integer from 1 to 32, got "2.5".'],
    [
      ["--block-time", "-1"],
      'Option --block-time expects seconds from 0 to 3600 (e.g. 1 or 0.5; 0 = automine), got "-1".',
    ],
    [
      ["--block-time", "fast"],
      'Option --block-time expects seconds from 0 to 3600 (e.g. 1 or 0.5; 0 = automine), got "fast".',
    ],
    [["--base-port", "80"], 'Option --base-port expects an integer from 1024 to 65535, got "80".'],
    [["--finality-depth", "x"], 'Option --finality-depth expects an integer from 0 to 10000, got "x".'],
    [["--base-port"], "Option --base-port needs a value."],
    [["--base-port", "--vault-chains", "3"], "Option --base-port needs a value."],
    [["--chains", "3"], "Unknown option --chains."],
    [["three"], 'Unexpected argument "three".'],
    [
      ["--base-port", "65534", "--vault-chains", "2"],
      "--base-port 65534 leaves no room for 2 vault chains (the last port would be 65536, above 65535).",
    ],
  ])("rejects %j", (argv, message) => {
    let thrown: unknown;
    try {
      parseDevArgs(argv);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DevArgsError);
    expect((thrown as DevArgsError).shortMessage).toBe(message); // narrowed by the assertion above
    expect((thrown as DevArgsError).message).toContain("npm run dev -- --help");
  });
});
