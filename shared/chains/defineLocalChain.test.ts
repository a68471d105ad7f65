import { createPublicClient, http } from "viem";
import { describe, expect, it } from "vitest";
import { defineLocalChain } from "./defineLocalChain.js";

describe("defineLocalChain", () => {
  it("builds a viem chain from a config entry", () => {
    const chain = defineLocalChain({
      chainId: 31337,
      name: "hub",
      rpcUrl: "http://127.0.0.1:8545",
      blockTimeMs: 1000,
    });
    expect(chain).toMatchObject({
      id: 31337,
      name: "hub",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: ["http://127.0.0.1:8545"] } },
      blockTime: 1000,
      testnet: true,
    });
    const client = createPublicClient({ chain, transport: http() });
    expect(client.chain.id).toBe(31337);
    expect(client.transport.url).toBe("http://127.0.0.1:8545");
  });

  it("puts a ws URL under webSocket", () => {
    const chain = defineLocalChain({
      chainId: 31338,
      name: "a",
      rpcUrl: "ws://127.0.0.1:8546",
      blockTimeMs: 500,
    });
    expect(chain.rpcUrls.default).toEqual({ http: [], webSocket: ["ws://127.0.0.1:8546"] });
  });
});
