import type { Address } from "viem";
import { z } from "zod";
import { addressField, intField, uintField, urlField } from "./fields.js";

/** Basis points in one whole. */
const BPS = 10_000;
/** Largest LayerZero endpoint id; crossmargin uses eid = chain id. */
const UINT32_MAX = 2 ** 32 - 1;
/** Largest liquidation bonus the config accepts. */
const MAX_LIQUIDATION_BONUS_BPS = 5_000;
/** Most consumers the hub registers (`MarginHub.MAX_CONSUMERS`), so the most `perpMarkets`. */
export const MAX_PERP_MARKETS = 8;

/** Default Redis when neither the config nor `REDIS_URL` names one. */
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";
/** Default `maxAttestationAge` in seconds. */
export const DEFAULT_MAX_ATTESTATION_AGE = 3600;

/** Risk parameters of one collateral, as the hub's `CollateralConfig` holds them. */
export const riskSchema = z
  .object(
    {
      feed: addressField().describe(
        "Chainlink-style USD price feed for this collateral, deployed on the hub chain",
      ),
      heartbeat: intField(1, UINT32_MAX).describe("Seconds after which the feed's answer counts as stale"),
      haircutBps: intField(0, BPS - 1).describe(
        "Haircut in basis points: adjusted value = value × (10000 − haircutBps) / 10000",
      ),
      liquidationThresholdBps: intField(0, BPS).describe(
        "Liquidation threshold in basis points (≥ 10000 − haircutBps): liquidation value = value × bps / 10000",
      ),
      liquidationBonusBps: intField(0, MAX_LIQUIDATION_BONUS_BPS).describe(
        "Extra collateral, above what the account owes, that a liquidator receives, in basis points",
      ),
      capPerAccount: uintField(128)
        .default(0n)
        .describe("At most this many token units count towards one account's margin (0 = no cap)"),
    },
    { error: "expected an object with the collateral's risk parameters" },
  )
  .superRefine((risk, ctx) => {
    const floor = BPS - risk.haircutBps;
    if (risk.liquidationThresholdBps < floor) {
      ctx.addIssue({
        code: "custom",
        path: ["liquidationThresholdBps"],
        message: `expected at least 10000 − haircutBps = ${floor}`,
        input: risk.liquidationThresholdBps,
      });
    }
  })
  .describe("Risk parameters the hub applies to this collateral");

/** One allow-listed collateral token on one chain. */
export const tokenSchema = z
  .object(
    {
      address: addressField().describe("The token's address on its own chain"),
      decimals: intField(0, 36).describe("The token's decimals"),
      kind: z
        .enum(["stable", "lst", "erc4626", "lp"], {
          error: 'expected one of "stable", "lst", "erc4626", "lp"',
        })
        .describe("What sort of collateral the token is (informational; the risk parameters price it)"),
      depositCap: uintField(256).describe(
        "Total the vault accepts for this token, all accounts together, in token units",
      ),
      risk: riskSchema,
    },
    { error: "expected an object describing the token" },
  )
  .describe("An allow-listed collateral token");

/** Addresses of the crossmargin contracts on one chain. */
export const contractsSchema = z
  .object(
    {
      vault: addressField().describe(
        "The CollateralVault on this chain (every chain has one, the hub chain too)",
      ),
      hub: addressField().optional().describe("The MarginHub (hub chain only)"),
      perpMarkets: z
        .array(addressField(), { error: "expected a list of PerpMarket addresses" })
        .max(MAX_PERP_MARKETS, {
          error: `expected at most ${MAX_PERP_MARKETS} PerpMarket addresses (the hub's MAX_CONSUMERS)`,
        })
        .default([])
        .describe(
          "The PerpMarket consumers registered on the hub, which share each account's margin (hub chain only; at most 8, distinct; default none)",
        ),
      perpMarket: z
        .undefined({
          error: 'replaced by "perpMarkets", a list of PerpMarket addresses: write "perpMarkets": ["0x…"]',
        })
        .optional()
        .describe("Replaced by perpMarkets (rejected when given)"),
      timelock: addressField()
        .optional()
        .describe(
          "The TimelockController that owns this chain's crossmargin contracts (owner actions wait its delay)",
        ),
    },
    { error: "expected an object with the contract addresses (vault, hub?, perpMarkets?, timelock?)" },
  )
  .superRefine((contracts, ctx) => {
    const seen = new Set<string>();
    contracts.perpMarkets.forEach((address, index) => {
      if (seen.has(address))
        ctx.addIssue({
          code: "custom",
          path: ["perpMarkets", index],
          message: "expected distinct PerpMarket addresses (duplicate)",
          input: address,
        });
      seen.add(address);
    });
  })
  // The old key is only ever undefined here (anything else failed above); drop it from the type.
  .transform(({ perpMarket: _replaced, ...contracts }) => contracts)
  .describe("Addresses of the crossmargin contracts on this chain");

/** One chain: how to reach it, how final its blocks are, its contracts and collaterals. */
export const chainSchema = z
  .object(
    {
      name: z
        .string({ error: "expected a non-empty name" })
        .min(1, { error: "expected a non-empty name" })
        .describe("Human-readable chain name"),
      chainId: intField(1, UINT32_MAX).describe(
        "EVM chain id; also the LayerZero eid, so it must fit in uint32",
      ),
      role: z
        .enum(["hub", "vault"], { error: 'expected "hub" or "vault"' })
        .describe('"hub" for the one chain running the MarginHub, "vault" for collateral-only chains'),
      rpcUrl: urlField(["http", "https", "ws", "wss"]).describe("JSON-RPC endpoint (http, https, ws or wss)"),
      finalityDepth: intField(0).describe("Blocks after which a block counts as final (0 = at once)"),
      blockTimeMs: intField(1).describe("Expected block time in milliseconds"),
      deploymentBlock: intField(0)
        .default(0)
        .describe("Block the contracts were deployed at (indexing starts here)"),
      contracts: contractsSchema,
      tokens: z
        .record(z.string(), tokenSchema, { error: "expected an object mapping token symbols to tokens" })
        .describe("Allow-listed collateral tokens on this chain, keyed by symbol"),
    },
    { error: "expected an object describing the chain" },
  )
  .superRefine((chain, ctx) => {
    if (chain.role === "hub" && chain.contracts.hub === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["contracts", "hub"],
        message: 'expected the MarginHub address on the chain with role "hub"',
      });
    }
    if (chain.role === "vault" && chain.contracts.perpMarkets.length > 0)
      ctx.addIssue({
        code: "custom",
        path: ["contracts", "perpMarkets"],
        message: 'expected no perpMarkets on a chain with role "vault" (they live on the hub chain)',
      });
    for (const key of ["hub"] as const) {
      if (chain.role === "vault" && chain.contracts[key] !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["contracts", key],
          message: `expected no ${key} address on a chain with role "vault" (it lives on the hub chain)`,
        });
      }
    }
    const seen = new Map<string, string>();
    for (const [symbol, token] of Object.entries(chain.tokens)) {
      if (symbol.trim() === "") {
        ctx.addIssue({
          code: "custom",
          path: ["tokens", symbol],
          message: "expected a non-empty token symbol",
        });
      }
      const other = seen.get(token.address);
      if (other !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["tokens", symbol, "address"],
          message: `expected a token address not already listed (same as ${other})`,
          input: token.address,
        });
      }
      seen.set(token.address, symbol);
    }
  })
  .describe("One chain of the system");

/** Every chain, keyed by its chain id in decimal. */
export const chainsSchema = z
  .record(z.string(), chainSchema, { error: "expected an object mapping chain ids to chains" })
  .superRefine((chains, ctx) => {
    const hubs: string[] = [];
    for (const [key, chain] of Object.entries(chains)) {
      if (key !== String(chain.chainId)) {
        ctx.addIssue({
          code: "custom",
          path: [key, "chainId"],
          message: `expected the entry's key ${JSON.stringify(key)}`,
          input: chain.chainId,
        });
      }
      if (chain.role === "hub") hubs.push(key);
    }
    if (hubs.length !== 1) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message:
          hubs.length === 0
            ? 'expected exactly one chain with role "hub", found none'
            : `expected exactly one chain with role "hub", found ${hubs.length} (${hubs.join(", ")})`,
      });
    }
  })
  .describe("Every chain of the system, keyed by chain id (decimal string equal to the entry's chainId)");

/** The attester set and quorum. */
export const attestersSchema = z
  .object(
    {
      threshold: intField(1, 255).describe(
        "Signatures needed for a quorum (1 to 255, at most the number of attesters)",
      ),
      addresses: z
        .array(addressField(), { error: "expected a list of attester addresses" })
        .min(1, { error: "expected at least one attester address" })
        .describe("Attester addresses (distinct)"),
    },
    { error: "expected an object with threshold and addresses" },
  )
  .superRefine((attesters, ctx) => {
    if (attesters.threshold > attesters.addresses.length) {
      ctx.addIssue({
        code: "custom",
        path: ["threshold"],
        message: `expected at most the number of attesters (${attesters.addresses.length})`,
        input: attesters.threshold,
      });
    }
    const seen = new Set<string>();
    attesters.addresses.forEach((address, index) => {
      if (seen.has(address)) {
        ctx.addIssue({
          code: "custom",
          path: ["addresses", index],
          message: "expected distinct attester addresses (duplicate)",
          input: address,
        });
      }
      seen.add(address);
    });
  })
  .describe("The m-of-n attester quorum that signs every cross-chain packet");

/**
 * A BullMQ key prefix: letters, digits, `_` and `-` (no `:`, which BullMQ uses as its separator),
 * with at most one Redis Cluster hash tag in braces (`{crossmargin}`).
 */
const QUEUE_PREFIX = /^(?=.{1,64}$)[A-Za-z0-9_-]*(\{[A-Za-z0-9_-]+\})?[A-Za-z0-9_-]*$/;

/** The default queue prefix: a hash tag, so every key of the relayer hashes to one Redis Cluster slot. */
export const DEFAULT_QUEUE_PREFIX = "{crossmargin}";

/**
 * Whether every key under `prefix` (`<prefix>:…`) hashes to one Redis Cluster slot: the prefix
 * holds a non-empty hash tag (`{…}`), which Redis then hashes instead of the whole key.
 *
 * @param prefix a queue prefix
 * @returns true for e.g. `{crossmargin}` or `{cm}-prod`, false for `crossmargin`
 */
export function isHashTagged(prefix: string): boolean {
  // Redis hashes what lies between the key's first "{" and the next "}", when that is not empty.
  const open = prefix.indexOf("{");
  const close = open < 0 ? -1 : prefix.indexOf("}", open + 1);
  return close > open + 1;
}

/**
 * The relayer's knobs. Every field has a default, so a config without `relayer` runs the
 * relayer as the devnet does. Keys are not config: they come from the environment
 * (`RELAYER_PRIVATE_KEY`, `ATTESTER_PRIVATE_KEY(S)`) or, on the devnet, from the manifest.
 */
export const relayerSchema = z
  .object(
    {
      port: intField(0, 65_535)
        .default(9464)
        .describe("HTTP port of the relayer's /healthz, /metrics and /admin/queues (0 = any free port)"),
      queuePrefix: z
        .string({ error: "expected a queue prefix (letters, digits, _ or -)" })
        .regex(QUEUE_PREFIX, {
          error: "expected 1–64 letters, digits, _ or -, with at most one {hash tag} (no ':')",
        })
        .default(DEFAULT_QUEUE_PREFIX)
        .describe(
          "BullMQ and Redis key prefix; relayers sharing one Redis and one prefix share the work. A {hash tag} (the default) keeps every key in one Redis Cluster slot, as BullMQ's cluster pattern requires",
        ),
      batchMaxLeaves: intField(1, 2_000)
        .default(200)
        .describe("Most balance updates per BALANCE_BATCH packet (one Merkle root, one quorum check)"),
      batchWindowMs: intField(0, 600_000)
        .default(250)
        .describe(
          "How long a route waits, after new work appears, for more before it cuts a batch (a full batch goes at once)",
        ),
      deliveryConcurrency: intField(1, 64)
        .default(4)
        .describe(
          "Deliveries in flight per destination chain and key (each its own transaction and pending nonce, so several land in one block; a stuck low nonce holds up every one above it)",
        ),
      reconcileIntervalMs: intField(100, 3_600_000)
        .default(5_000)
        .describe(
          "Period of the repeatable `reconcile` job that diffs source and destination state and enqueues what is missing",
        ),
      claimTtlMs: intField(1_000, 86_400_000)
        .default(120_000)
        .describe(
          "How long a balance update stays claimed by an in-flight batch before reconcile may batch it again",
        ),
      attestTimeoutMs: intField(100, 600_000)
        .default(5_000)
        .describe("How long the relayer waits for one attester's signature"),
      receiptTimeoutMs: intField(100, 3_600_000)
        .default(20_000)
        .describe("How long a sent transaction may stay unmined before its fee is bumped"),
      feeBumpPercent: intField(10, 1_000)
        .default(25)
        .describe("Fee increase of each replacement transaction, in percent (nodes require at least 10)"),
      maxFeeBumps: intField(0, 20)
        .default(5)
        .describe("Replacements of one stuck transaction before the delivery fails and is retried"),
      lockDurationMs: intField(1_000, 600_000)
        .default(30_000)
        .describe(
          "How long a running attest or deliver job stays locked to its relayer process without a renewal (renewed at half of it): another process takes over the jobs of one that died after this, and at most as long again (BullMQ lockDuration and stalledInterval)",
        ),
      attesterUrls: z
        .record(addressField(), urlField(["http", "https"]), {
          error:
            "expected an object mapping attester addresses to the URLs of their `crossmargin attester` servers",
        })
        .default({})
        .describe(
          "Remote attesters: address → URL of its `crossmargin attester` server. Attesters not listed sign in-process when their key is available",
        ),
      attesterRpcUrls: z
        .record(addressField(), z.record(z.string(), urlField(["http", "https", "ws", "wss"])), {
          error: "expected an object mapping attester addresses to { chain id: RPC URL }",
        })
        .default({})
        .describe(
          "In-process attesters' own RPCs: address → chain id → URL (default: the chain's rpcUrl). Keys that read through one node witness one node's view, not several",
        ),
    },
    { error: "expected an object with the relayer's settings" },
  )
  .describe("The relayer's settings (all optional)");

/**
 * The whole crossmargin config: one schema for the contracts' deployment, the indexer, the
 * relayer and the tests. The devnet's `.devnet/manifest.json` is a valid config with two extra
 * top-level keys, `accounts` and `devnet`, carried through untouched.
 */
export const configSchema = z
  .object(
    {
      chains: chainsSchema,
      attesters: attestersSchema,
      maxAttestationAge: intField(1)
        .default(DEFAULT_MAX_ATTESTATION_AGE)
        .describe("Seconds after which the hub rejects an attested balance batch"),
      redisUrl: urlField(["redis", "rediss"])
        .default(DEFAULT_REDIS_URL)
        .describe("Redis holding the relayer's queues (work in flight only); on a cluster, any one node"),
      redisCluster: z
        .boolean({ error: "expected true or false" })
        .default(false)
        .describe(
          "redisUrl is a node of a Redis Cluster: connect with a cluster client (relayer.queuePrefix must then hold a {hash tag})",
        ),
      databaseUrl: urlField(["postgres", "postgresql"])
        .optional()
        .describe("Postgres for the indexer; absent = embedded PGlite"),
      apiUrl: urlField(["http", "https"]).optional().describe("Base URL of the indexer's HTTP API"),
      relayer: relayerSchema.default(() => relayerSchema.parse({})),
      accounts: z
        .unknown()
        .optional()
        .describe("Devnet manifest only: demo accounts and keys (not validated here)"),
      devnet: z.unknown().optional().describe("Devnet manifest only: devnet metadata (not validated here)"),
    },
    { error: "expected a JSON object" },
  )
  .superRefine((config, ctx) => {
    if (config.redisCluster) checkClusterFields(config, ctx);
    const members = new Set(config.attesters.addresses);
    for (const field of ["attesterUrls", "attesterRpcUrls"] as const)
      for (const address of Object.keys(config.relayer[field])) {
        if (!members.has(address as Address)) {
          ctx.addIssue({
            code: "custom",
            path: ["relayer", field, address],
            message: "expected an address listed in attesters.addresses",
            input: address,
          });
        }
      }
    for (const [address, urls] of Object.entries(config.relayer.attesterRpcUrls))
      for (const chainId of Object.keys(urls))
        if (config.chains[chainId] === undefined)
          ctx.addIssue({
            code: "custom",
            path: ["relayer", "attesterRpcUrls", address, chainId],
            message: `expected a configured chain id (${Object.keys(config.chains).join(", ")})`,
            input: chainId,
          });
  })
  .describe("crossmargin config");

/** On a Redis Cluster: one slot for every relayer key, and database 0 (the only one a cluster has). */
function checkClusterFields(
  config: { redisUrl: string; relayer: { queuePrefix: string } },
  ctx: z.RefinementCtx,
): void {
  const prefix = config.relayer.queuePrefix;
  if (!isHashTagged(prefix))
    ctx.addIssue({
      code: "custom",
      path: ["relayer", "queuePrefix"],
      message: `expected a {hash tag} prefix such as "{${prefix.replace(/[{}]/g, "")}}" on a Redis Cluster (redisCluster: true): BullMQ's scripts and the relayer's claims touch several keys at once, which a cluster allows only within one slot`,
      input: prefix,
    });
  const db = new URL(config.redisUrl).pathname.replace(/^\//, "");
  if (db !== "" && db !== "0")
    ctx.addIssue({
      code: "custom",
      path: ["redisUrl"],
      message: `expected no database number (a Redis Cluster has only database 0), got /${db}`,
      input: config.redisUrl,
    });
}

/** The parsed, validated config (addresses checksummed, big numbers as `bigint`, defaults filled). */
export type Config = z.infer<typeof configSchema>;
/** What a config file may contain before parsing (numbers or decimal strings, optional defaults). */
export type ConfigInput = z.input<typeof configSchema>;
/** One parsed chain entry. */
export type ChainConfig = z.infer<typeof chainSchema>;
/** One parsed token entry. */
export type TokenConfig = z.infer<typeof tokenSchema>;
/** The relayer's parsed settings. */
export type RelayerConfig = z.infer<typeof relayerSchema>;
/** One parsed risk entry. */
export type RiskConfig = z.infer<typeof riskSchema>;
/** The role of a chain. */
export type ChainRole = ChainConfig["role"];
