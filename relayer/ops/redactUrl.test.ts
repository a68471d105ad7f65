import { describe, expect, it } from "vitest";
import { labelRpcUrls, redactUrl } from "./redactUrl.js";

describe("redactUrl", () => {
  it("hides a password, an API key in the path and credential query parameters", () => {
    expect(redactUrl("redis://user:pw@10.0.0.2:6379")).toBe("redis://user:***@10.0.0.2:6379");
    expect(redactUrl("https://eth-mainnet.example.com/v2/AbCdEf0123456789_xyz-KEY")).toBe(
      "https://eth-mainnet.example.com/v2/***",
    );
    expect(redactUrl("https://rpc.example.com/?apikey=s3cret&chain=1")).toBe(
      "https://rpc.example.com/?apikey=***&chain=1",
    );
    expect(redactUrl("http://127.0.0.1:8545")).toBe("http://127.0.0.1:8545");
    expect(redactUrl("not a url")).toBe("not a url");
  });
});

describe("labelRpcUrls", () => {
  const rpcs = [
    { chainId: 1, url: "https://user:pw@eth.example.com/v2/AbCdEf0123456789_xyz-KEY" },
    { chainId: 31337, url: "http://127.0.0.1:8545" },
  ];

  it("replaces each configured RPC, as configured or as viem prints it, by its redacted form and chain", () => {
    const viem =
      'HTTP request failed.\n\nURL: https://eth.example.com/v2/AbCdEf0123456789_xyz-KEY\nRequest body: {"method":"eth_call"}';
    const out = labelRpcUrls(viem, rpcs);
    expect(out).toContain("URL: https://user:***@eth.example.com/v2/*** (chain 1)");
    expect(out).not.toContain("AbCdEf0123456789");
    expect(labelRpcUrls("fetch failed at http://127.0.0.1:8545 and http://127.0.0.1:8545/", rpcs)).toBe(
      "fetch failed at http://127.0.0.1:8545 (chain 31337) and http://127.0.0.1:8545 (chain 31337)",
    );
  });
});
