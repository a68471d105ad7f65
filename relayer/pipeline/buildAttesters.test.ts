import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { exampleConfig } from "../../shared/config/exampleConfig.js";
import { parseConfig } from "../../shared/config/parseConfig.js";
import { ConfigError } from "../../shared/errors/BaseError.js";
import { sharedAttesterNodes } from "./buildAttesters.js";
import { resolveKeys } from "./resolveKeys.js";

const [a1, a2, a3] = ["11", "22", "33"].map((b) => privateKeyToAccount(`0x${b.repeat(32)}`).address) as [
  `0x${string}`,
  `0x${string}`,
  `0x${string}`,
];

function config(attesterRpcUrls: Record<string, Record<string, string>> = {}) {
  const input = exampleConfig();
  input.attesters = { threshold: 2, addresses: [a1, a2, a3] };
  return parseConfig({ ...input, relayer: { attesterRpcUrls } });
}

describe("sharedAttesterNodes", () => {
  it("names every chain where in-process attesters read through the chain's one rpcUrl", () => {
    const shared = sharedAttesterNodes(config(), [a1, a2]);
    expect(shared).toEqual([
      { chainId: 31337, url: "http://127.0.0.1:8545", attesters: [a1, a2] },
      { chainId: 31338, url: "ws://127.0.0.1:8546", attesters: [a1, a2] },
    ]);
    expect(sharedAttesterNodes(config(), [a1])).toEqual([]);
  });

  it("does not count attesters that have their own RPC on a chain, and counts two given the same one", () => {
    const own = config({
      [a1]: { "31337": "http://10.0.0.1:8545" },
      [a2]: { "31338": "http://10.0.0.9:8545" },
    });
    expect(sharedAttesterNodes(own, [a1, a2])).toEqual([]);
    const same = config({
      [a1]: { "31337": "http://10.0.0.1:8545" },
      [a3]: { "31337": "http://10.0.0.1:8545" },
    });
    expect(sharedAttesterNodes(same, [a1, a3]).filter((s) => s.chainId === 31337)).toEqual([
      { chainId: 31337, url: "http://10.0.0.1:8545", attesters: [a1, a3] },
    ]);
  });
});

describe("REMOTE_ATTESTER_TOKENS", () => {
  const remote = () => {
    const input = exampleConfig();
    input.attesters = { threshold: 2, addresses: [a1, a2, a3] };
    return parseConfig({ ...input, relayer: { attesterUrls: { [a3]: "http://10.0.0.3:9470" } } });
  };
  const env = { RELAYER_PRIVATE_KEY: `0x${"44".repeat(32)}`, ATTESTER_PRIVATE_KEYS: "" };

  it("gives each remote attester its token, by address", () => {
    const keys = resolveKeys(remote(), { ...env, REMOTE_ATTESTER_TOKENS: `${a3}=token-for-a3-0123456789` });
    expect(keys.attesterTokens?.get(a3.toLowerCase())).toBe("token-for-a3-0123456789");
  });

  it("names an entry for an attester without a URL, or without a token", () => {
    expect(() => resolveKeys(remote(), { ...env, REMOTE_ATTESTER_TOKENS: `${a1}=x` })).toThrow(
      /REMOTE_ATTESTER_TOKENS: expected <address>=<token> pairs for addresses in relayer.attesterUrls/,
    );
    expect(() => resolveKeys(remote(), { ...env, REMOTE_ATTESTER_TOKENS: `${a3}=` })).toThrow(ConfigError);
  });
});
