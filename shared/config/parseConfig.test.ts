import { type Address, getAddress } from "viem";
import { describe, expect, expectTypeOf, it } from "vitest";
import { ConfigError } from "../errors/BaseError.js";
import { collateralsOf } from "./collateralsOf.js";
import { exampleConfig as example } from "./exampleConfig.js";
import { hubChain } from "./hubChain.js";
import { parseConfig } from "./parseConfig.js";
import type { Config } from "./schema.js";
import { vaultChains } from "./vaultChains.js";

const lower = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;

type Example = ReturnType<typeof example>;

/** Runs parseConfig on a modified example and returns the ConfigError it throws. */
function errorOf(mutate: (config: Example) => unknown): ConfigError {
  const config = example();
  const input = mutate(config) ?? config;
  try {
    parseConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError; // asserted just above
  }
  throw new Error("parseConfig accepted an invalid config");
}

describe("parseConfig", () => {
  it("accepts a valid config and produces typed values", () => {
    const config = parseConfig(example());
    expectTypeOf(config).toEqualTypeOf<Config>();
    const hub = config.chains["31337"]!;
    expect(hub.role).toBe("hub");
    expect(hub.deploymentBlock).toBe(0);
    expect(hub.contracts.vault).toBe("0x0000000000000000000000000000000000000010");
    const usdc = hub.tokens.USDC!;
    expect(usdc.depositCap).toBe(10n ** 30n);
    expect(usdc.risk.capPerAccount).toBe(0n);
    expect(usdc.risk.feed).toBe("0x5FbDB2315678afecb367f032d93F642f64180aa3");
    expectTypeOf(usdc.risk.feed).toEqualTypeOf<Address>();
    expectTypeOf(usdc.depositCap).toEqualTypeOf<bigint>();
    const vault = config.chains["31338"]!;
    expect(vault.deploymentBlock).toBe(7);
    expect(vault.tokens.wstETH!.risk.capPerAccount).toBe(2n ** 128n - 1n);
    expect(config.maxAttestationAge).toBe(3600);
    expect(config.redisUrl).toBe("redis://127.0.0.1:6379");
    expect(config.databaseUrl).toBeUndefined();
    expect(config.apiUrl).toBe("http://127.0.0.1:42069");
    expect(config.accounts).toEqual(example().accounts);
    expect(config.devnet).toEqual({ startedAt: 1 });
  });

  it("is idempotent: parsing its own output gives the same config", () => {
    const once = parseConfig(example());
    expect(parseConfig(once)).toEqual(once);
  });

  it("accepts a checksummed address and rejects a wrong checksum", () => {
    const checksummed = example();
    checksummed.chains["31337"].tokens.USDC.risk.feed = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    expect(parseConfig(checksummed).chains["31337"]!.tokens.USDC!.risk.feed).toBe(
      "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    );
    const error = errorOf((c) => {
      c.chains["31337"].tokens.USDC.risk.feed = "0x5FBDB2315678afecb367f032d93F642f64180aa3";
    });
    expect(error.message).toContain(
      "chains.31337.tokens.USDC.risk.feed: expected an address with a valid EIP-55",
    );
  });

  it("rejects a malformed address, naming the field", () => {
    const error = errorOf((c) => {
      c.chains["31338"].contracts.vault = "0x1234";
    });
    expect(error.issues).toEqual([
      {
        path: "chains.31338.contracts.vault",
        message: 'expected an address (0x + 40 hex digits), got "0x1234"',
      },
    ]);
  });

  it("rejects a bad URL with the expected format and the value received", () => {
    const error = errorOf((c) => {
      c.chains["31337"].rpcUrl = "nope";
    });
    expect(error.message).toContain('chains.31337.rpcUrl: expected a URL, got "nope"');
    const scheme = errorOf((c) => ({ ...c, redisUrl: "http://127.0.0.1:6379" }));
    expect(scheme.message).toContain('redisUrl: expected a URL with scheme redis://, rediss://, got "http');
    const db = errorOf((c) => ({ ...c, databaseUrl: "mysql://x" }));
    expect(db.message).toContain("databaseUrl: expected a URL with scheme postgres://, postgresql://");
  });

  it("defaults to a hash-tagged queue prefix and takes plain ones on a standalone Redis", () => {
    expect(parseConfig(example()).relayer.queuePrefix).toBe("{crossmargin}");
    expect(parseConfig(example()).redisCluster).toBe(false);
    expect(parseConfig({ ...example(), relayer: { queuePrefix: "cm-1" } }).relayer.queuePrefix).toBe("cm-1");
    const colon = errorOf((c) => ({ ...c, relayer: { queuePrefix: "{a}:b" } }));
    expect(colon.message).toContain(
      "relayer.queuePrefix: expected 1–64 letters, digits, _ or -, with at most one {hash tag}",
    );
  });

  it("on a Redis Cluster, names a queue prefix without a hash tag and a database number", () => {
    const cluster = { ...example(), redisCluster: true, redisUrl: "redis://10.0.0.5:7000" };
    expect(parseConfig({ ...cluster, relayer: { queuePrefix: "{cm}-prod" } }).relayer.queuePrefix).toBe(
      "{cm}-prod",
    );
    const plain = errorOf(() => ({ ...cluster, relayer: { queuePrefix: "crossmargin" } }));
    expect(plain.message).toContain(
      'relayer.queuePrefix: expected a {hash tag} prefix such as "{crossmargin}" on a Redis Cluster (redisCluster: true)',
    );
    const db = errorOf(() => ({ ...cluster, redisUrl: "redis://10.0.0.5:7000/3" }));
    expect(db.message).toContain(
      "redisUrl: expected no database number (a Redis Cluster has only database 0), got /3",
    );
    const flag = errorOf((c) => ({ ...c, redisCluster: "yes" }));
    expect(flag.message).toContain("redisCluster: expected true or false");
  });

  it("takes in-process attesters' own RPCs, naming an address outside the quorum or an unknown chain", () => {
    const a1 = "0x00000000000000000000000000000000000000A1";
    const own = parseConfig({
      ...example(),
      relayer: { attesterRpcUrls: { [a1]: { "31338": "http://10.0.0.7:8545" } } },
    });
    expect(Object.values(own.relayer.attesterRpcUrls)).toEqual([{ "31338": "http://10.0.0.7:8545" }]);
    const stranger = errorOf((c) => ({
      ...c,
      relayer: {
        attesterRpcUrls: { "0x00000000000000000000000000000000000000b9": { "31338": "http://x:1" } },
      },
    }));
    expect(stranger.message).toContain("expected an address listed in attesters.addresses");
    const chain = errorOf((c) => ({ ...c, relayer: { attesterRpcUrls: { [a1]: { "1": "http://x:1" } } } }));
    expect(chain.message).toMatch(
      /relayer\.attesterRpcUrls\.0x0+a1\.1: expected a configured chain id \(31337, 31338\)/i,
    );
  });

  it("rejects an unknown role", () => {
    const error = errorOf((c) => {
      c.chains["31338"].role = "spoke";
    });
    expect(error.message).toContain('chains.31338.role: expected "hub" or "vault", got "spoke"');
  });

  it("rejects a config without a hub", () => {
    const error = errorOf((c) => {
      c.chains["31337"].role = "vault";
      const { hub: _hub, perpMarkets: _perps, ...rest } = c.chains["31337"].contracts;
      (c.chains["31337"] as { contracts: unknown }).contracts = rest; // drop the hub-only addresses
    });
    expect(error.message).toContain('chains: expected exactly one chain with role "hub", found none');
  });

  it("rejects two hubs", () => {
    const error = errorOf((c) => {
      c.chains["31338"].role = "hub";
      (c.chains["31338"].contracts as { hub?: string }).hub = lower(0x31); // a hub needs its address
    });
    expect(error.message).toContain(
      'chains: expected exactly one chain with role "hub", found 2 (31337, 31338)',
    );
  });

  it("rejects a hub chain without a MarginHub address, and hub contracts on a vault chain", () => {
    const error = errorOf((c) => {
      (c.chains["31337"].contracts as { hub?: string }).hub = undefined;
      (c.chains["31338"].contracts as { perpMarkets?: string[] }).perpMarkets = [lower(0x77)];
    });
    expect(error.message).toContain(
      'chains.31337.contracts.hub: expected the MarginHub address on the chain with role "hub"',
    );
    expect(error.message).toContain(
      'chains.31338.contracts.perpMarkets: expected no perpMarkets on a chain with role "vault"',
    );
  });

  it("takes several perp markets, none by default, and names duplicates, too many and the old key", () => {
    const two = example();
    two.chains["31337"].contracts.perpMarkets = [lower(0x12), lower(0x13)];
    expect(parseConfig(two).chains["31337"]?.contracts.perpMarkets).toEqual([
      getAddress(lower(0x12)),
      getAddress(lower(0x13)),
    ]);
    const none = example();
    const { perpMarkets: _perps, ...rest } = none.chains["31337"].contracts;
    (none.chains["31337"] as { contracts: unknown }).contracts = rest;
    expect(parseConfig(none).chains["31337"]?.contracts.perpMarkets).toEqual([]);

    const duplicate = errorOf((c) => {
      c.chains["31337"].contracts.perpMarkets = [lower(0x12), getAddress(lower(0x12))];
    });
    expect(duplicate.message).toContain(
      "chains.31337.contracts.perpMarkets.1: expected distinct PerpMarket addresses (duplicate)",
    );
    const many = errorOf((c) => {
      c.chains["31337"].contracts.perpMarkets = Array.from({ length: 9 }, (_, i) => lower(0x40 + i));
    });
    expect(many.message).toContain(
      "chains.31337.contracts.perpMarkets: expected at most 8 PerpMarket addresses (the hub's MAX_CONSUMERS)",
    );
    const single = errorOf((c) => {
      c.chains["31337"].contracts.perpMarkets = lower(0x12) as unknown as string[]; // a lone address, not a list
    });
    expect(single.message).toContain(
      "chains.31337.contracts.perpMarkets: expected a list of PerpMarket addresses",
    );
    const old = errorOf((c) => {
      const contracts = c.chains["31337"].contracts as Record<string, unknown>;
      contracts.perpMarket = lower(0x12);
      contracts.perpMarkets = undefined;
    });
    expect(old.message).toContain(
      'chains.31337.contracts.perpMarket: replaced by "perpMarkets", a list of PerpMarket addresses',
    );
  });

  it("rejects a chain id that differs from its key", () => {
    const error = errorOf((c) => {
      c.chains["31338"].chainId = 1;
    });
    expect(error.message).toContain('chains.31338.chainId: expected the entry\'s key "31338", got 1');
  });

  it("rejects a chain id that does not fit in uint32", () => {
    const error = errorOf((c) => {
      c.chains["31338"].chainId = 2 ** 32;
    });
    expect(error.message).toContain(
      "chains.31338.chainId: expected an integer from 1 to 4294967295, got 4294967296",
    );
  });

  it("rejects a threshold above the number of attesters", () => {
    const error = errorOf((c) => {
      c.attesters.threshold = 4;
    });
    expect(error.message).toContain(
      "attesters.threshold: expected at most the number of attesters (3), got 4",
    );
  });

  it("rejects a zero threshold, an empty attester set and duplicate attesters", () => {
    expect(
      errorOf((c) => {
        c.attesters.threshold = 0;
      }).message,
    ).toContain("attesters.threshold: expected an integer from 1 to 255, got 0");
    expect(
      errorOf((c) => {
        c.attesters.addresses = [];
      }).message,
    ).toContain("attesters.addresses: expected at least one attester address");
    const dup = errorOf((c) => {
      c.attesters.addresses = [lower(0xa1), lower(0xa1).toUpperCase().replace("0X", "0x")];
    });
    expect(dup.message).toContain("attesters.addresses.1: expected distinct attester addresses (duplicate)");
  });

  it("rejects risk bps out of range", () => {
    const haircut = errorOf((c) => {
      c.chains["31337"].tokens.USDC.risk.haircutBps = 10_000;
    });
    expect(haircut.message).toContain(
      "chains.31337.tokens.USDC.risk.haircutBps: expected an integer from 0 to 9999, got 10000",
    );
    const threshold = errorOf((c) => {
      c.chains["31338"].tokens.wstETH.risk.liquidationThresholdBps = 8000;
    });
    expect(threshold.message).toContain(
      "chains.31338.tokens.wstETH.risk.liquidationThresholdBps: expected at least 10000 − haircutBps = 8500, got 8000",
    );
    const above = errorOf((c) => {
      c.chains["31338"].tokens.wstETH.risk.liquidationThresholdBps = 10_001;
    });
    expect(above.message).toContain(
      "risk.liquidationThresholdBps: expected an integer from 0 to 10000, got 10001",
    );
    const bonus = errorOf((c) => {
      c.chains["31338"].tokens.wstETH.risk.liquidationBonusBps = 5001;
    });
    expect(bonus.message).toContain("risk.liquidationBonusBps: expected an integer from 0 to 5000, got 5001");
  });

  it("rejects a negative or fractional finality depth", () => {
    expect(
      errorOf((c) => {
        c.chains["31338"].finalityDepth = -1;
      }).message,
    ).toContain("chains.31338.finalityDepth: expected an integer ≥ 0, got -1");
    expect(
      errorOf((c) => {
        c.chains["31338"].finalityDepth = 1.5;
      }).message,
    ).toContain("chains.31338.finalityDepth: expected an integer ≥ 0, got 1.5");
  });

  it("rejects a non-numeric, negative, unsafe or too large big number", () => {
    const text = errorOf((c) => {
      c.chains["31337"].tokens.USDC.depositCap = "12abc";
    });
    expect(text.message).toContain(
      'chains.31337.tokens.USDC.depositCap: expected a non-negative integer as a decimal string or a number (uint256), got "12abc"',
    );
    const negative = errorOf((c) => {
      c.chains["31337"].tokens.USDC.depositCap = "-5";
    });
    expect(negative.message).toContain("depositCap: expected a non-negative integer");
    const unsafe = errorOf((c) => {
      (c.chains["31337"].tokens.USDC.risk as { capPerAccount: unknown }).capPerAccount = 2 ** 60;
    });
    expect(unsafe.message).toContain("risk.capPerAccount: expected a non-negative integer");
    const large = errorOf((c) => {
      c.chains["31338"].tokens.wstETH.risk.capPerAccount = (2n ** 128n).toString();
    });
    expect(large.message).toContain("risk.capPerAccount: expected at most 2^128 − 1");
  });

  it("names a missing field and a wrong type", () => {
    const error = errorOf((c) => {
      (c.chains["31337"] as { blockTimeMs?: number }).blockTimeMs = undefined;
      (c as { attesters: unknown }).attesters = "all of them";
    });
    expect(error.message).toContain("chains.31337.blockTimeMs: expected an integer ≥ 1, got nothing");
    expect(error.message).toContain(
      'attesters: expected an object with threshold and addresses, got "all of them"',
    );
  });

  it("lists every problem, not just the first", () => {
    const error = errorOf((c) => {
      c.chains["31337"].rpcUrl = "nope";
      c.chains["31338"].finalityDepth = -3;
      c.attesters.addresses[0] = "0xzz";
    });
    expect(error.issues.map((issue) => issue.path).sort()).toEqual([
      "attesters.addresses.0",
      "chains.31337.rpcUrl",
      "chains.31338.finalityDepth",
    ]);
    expect(error.shortMessage).toBe("Invalid crossmargin config (3 problems).");
  });

  it("rejects a non-object", () => {
    const error = errorOf(() => 42);
    expect(error.message).toContain("expected a JSON object, got 42");
  });
});

describe("config helpers", () => {
  const config = parseConfig(example());

  it("hubChain returns the hub with its MarginHub address", () => {
    const hub = hubChain(config);
    expect(hub.chainId).toBe(31337);
    expect(hub.contracts.hub).toBe("0x0000000000000000000000000000000000000011");
  });

  it("vaultChains lists every chain holding a vault, hub included unless asked", () => {
    expect(vaultChains(config).map((c) => c.chainId)).toEqual([31337, 31338]);
    expect(vaultChains(config, { includeHub: false }).map((c) => c.chainId)).toEqual([31338]);
  });

  it("collateralsOf flattens every (chain, token)", () => {
    const collaterals = collateralsOf(config);
    expect(collaterals.map((c) => [c.chainId, c.symbol, c.token, c.decimals])).toEqual([
      [31337, "USDC", "0x0000000000000000000000000000000000000020", 6],
      [31338, "wstETH", "0x0000000000000000000000000000000000000040", 18],
    ]);
    expect(collaterals[1]!.risk.haircutBps).toBe(1500);
  });
});
