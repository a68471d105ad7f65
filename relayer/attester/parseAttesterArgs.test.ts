import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, test } from "vitest";
import { exampleConfig } from "../../shared/config/exampleConfig.js";
import { parseConfig } from "../../shared/config/parseConfig.js";
import { AttesterArgumentError, AttesterKeyError } from "./errors.js";
import { DEFAULT_ATTESTER_PORT, parseAttesterArgs } from "./parseAttesterArgs.js";
import { readAttesterKey } from "./readAttesterKey.js";

const KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const ADDRESS = privateKeyToAccount(KEY).address;

describe("parseAttesterArgs", () => {
  test("defaults, both flag forms, and --help", () => {
    expect(parseAttesterArgs([])).toEqual({
      configPath: undefined,
      port: DEFAULT_ATTESTER_PORT,
      host: "127.0.0.1",
      help: false,
    });
    expect(parseAttesterArgs(["--config", "a.json", "--port=0", "--host", "0.0.0.0"])).toEqual({
      configPath: "a.json",
      port: 0,
      host: "0.0.0.0",
      help: false,
    });
    expect(parseAttesterArgs(["--help"]).help).toBe(true);
  });

  test("an unknown flag, a missing value or a bad port is named", () => {
    expect(() => parseAttesterArgs(["--prot", "1"])).toThrow(/Unknown argument "--prot"/);
    expect(() => parseAttesterArgs(["--config"])).toThrow(/--config needs a value/);
    expect(() => parseAttesterArgs(["--config", "--port", "1"])).toThrow(/--config needs a value/);
    for (const port of ["65536", "-1", "80a", "1.5"]) {
      expect(() => parseAttesterArgs(["--port", port])).toThrow(AttesterArgumentError);
    }
    expect(() => parseAttesterArgs(["--port", "99999"])).toThrow(
      '--port must be an integer from 0 to 65535, got "99999".',
    );
  });
});

describe("readAttesterKey", () => {
  const config = (addresses: string[]) =>
    parseConfig({ ...exampleConfig(), attesters: { threshold: 1, addresses } });

  test("accepts a member's key", () => {
    expect(readAttesterKey({ ATTESTER_PRIVATE_KEY: KEY }, config([ADDRESS]))).toEqual({
      privateKey: KEY,
      address: ADDRESS,
    });
  });

  test("says what is wrong without printing the key", () => {
    const members = config([ADDRESS]);
    const message = (env: Record<string, string>, cfg = members) => {
      try {
        readAttesterKey(env, cfg);
      } catch (error) {
        expect(error).toBeInstanceOf(AttesterKeyError);
        return String(error);
      }
      throw new Error("expected an AttesterKeyError");
    };
    expect(message({})).toContain("ATTESTER_PRIVATE_KEY is not set");
    expect(message({ ATTESTER_PRIVATE_KEY: KEY.slice(2) })).toContain("without a 0x prefix");
    expect(message({ ATTESTER_PRIVATE_KEY: `${KEY}00` })).toContain("got 68 characters");
    expect(message({ ATTESTER_PRIVATE_KEY: `0x${"0".repeat(64)}` })).toContain(
      "not a valid secp256k1 private key",
    );
    const other = `0x${"11".repeat(20)}`;
    const notMember = message({ ATTESTER_PRIVATE_KEY: KEY }, config([other]));
    expect(notMember).toContain(`belongs to ${ADDRESS}, which is not in attesters.addresses`);
    expect(notMember).not.toContain(KEY.slice(2));
  });
});
