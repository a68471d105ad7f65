import type { Address } from "viem";
import type { ConfigInput } from "../../shared/config/schema.js";
import { ATTESTER_THRESHOLD, type DevnetAccounts } from "./accounts.js";
import {
  DEMO_PERP,
  DEMO_PERPS,
  DEMO_TOKENS,
  DEVNET_HEARTBEAT,
  MAX_ATTESTATION_AGE,
  type TokenKind,
} from "./demoAssets.js";
import { type AddressBook, addressOf, perpName } from "./planDeployment.js";

/** One token of a chain, as the manifest writes it (big numbers as decimal strings). */
export type ManifestToken = {
  address: Address;
  decimals: number;
  kind: TokenKind;
  depositCap: string;
  risk: {
    feed: Address;
    heartbeat: number;
    haircutBps: number;
    liquidationThresholdBps: number;
    liquidationBonusBps: number;
    capPerAccount: string;
  };
};

/** One chain of the manifest. */
export type ManifestChain = {
  name: string;
  chainId: number;
  role: "hub" | "vault";
  rpcUrl: string;
  finalityDepth: number;
  blockTimeMs: number;
  deploymentBlock: number;
  contracts: { vault: Address; hub?: Address; perpMarkets?: Address[]; timelock: Address };
  tokens: Record<string, ManifestToken>;
};

/** Devnet metadata (not part of the config proper). */
export type ManifestDevnet = {
  /** ISO time the devnet finished starting. */
  startedAt: string;
  /** Pid of the process running the devnet (the lock's pid). */
  pid: number;
  /** Seconds between blocks (0 = automine). */
  blockTimeSeconds: number;
  /** Hub-chain price feed per collateral symbol (`MockPriceFeed`: anyone may `setAnswer`). */
  feeds: Record<string, Address>;
  /** The first perp market's price feed (ETH-USD of ETH-PERP). */
  perpFeed: Address;
  /** Every perp market's price feed, by market symbol: `{ "ETH-PERP": "0x…", "BTC-PERP": "0x…" }`. */
  perpFeeds: Record<string, Address>;
  /** Underlying assets of the ERC-4626 demo tokens, per chain id: `{ "31337": { "USDe": "0x…" } }`. */
  underlyingTokens: Record<string, Record<string, Address>>;
};

/** `.devnet/manifest.json`: a valid crossmargin config plus the demo accounts and devnet metadata. */
export type DevnetManifest = {
  chains: Record<string, ManifestChain>;
  attesters: { threshold: number; addresses: Address[] };
  maxAttestationAge: number;
  redisUrl?: string;
  databaseUrl?: string;
  apiUrl?: string;
  /** Written by `npm run dev`'s relayer service (queue prefix of the run, HTTP port). */
  relayer?: { queuePrefix: string; port: number };
  accounts: DevnetAccounts;
  devnet: ManifestDevnet;
};

/** A started chain, as the manifest needs it. */
export type ManifestChainInput = {
  chainId: number;
  role: "hub" | "vault";
  rpcUrl: string;
  deploymentBlock: bigint;
};

/** Parameters of {@link buildManifest}. */
export type BuildManifestParameters = {
  chains: ManifestChainInput[];
  book: AddressBook;
  accounts: DevnetAccounts;
  finalityDepth: number;
  blockTimeSeconds: number;
  pid: number;
  startedAt: Date;
};

/** `blockTimeMs` written for automine chains, which have no block time: how often to look for blocks. */
const AUTOMINE_BLOCK_TIME_MS = 100;

/**
 * Builds the devnet manifest from what was deployed.
 *
 * @param params the chains, the address book, the accounts and the devnet settings
 * @returns the manifest, ready for `JSON.stringify` and for `parseConfig`
 * @example
 * const manifest = buildManifest({ chains, book, accounts, finalityDepth: 2, blockTimeSeconds: 1, pid: process.pid, startedAt: new Date() });
 */
export function buildManifest(params: BuildManifestParameters): DevnetManifest {
  const hub = params.chains.find((chain) => chain.role === "hub");
  if (hub === undefined) throw new Error("buildManifest: no hub chain");
  const feed = (symbol: string) => addressOf(params.book, hub.chainId, `feed:${symbol}`);
  const blockTimeMs =
    params.blockTimeSeconds > 0 ? Math.round(params.blockTimeSeconds * 1000) : AUTOMINE_BLOCK_TIME_MS;

  const chains: Record<string, ManifestChain> = {};
  const underlyingTokens: Record<string, Record<string, Address>> = {};
  for (const chain of params.chains) {
    const at = (name: string) => addressOf(params.book, chain.chainId, name);
    const tokens: Record<string, ManifestToken> = {};
    for (const token of DEMO_TOKENS) {
      tokens[token.symbol] = {
        address: at(token.symbol),
        decimals: token.decimals,
        kind: token.kind,
        depositCap: token.depositCap.toString(),
        risk: {
          feed: feed(token.symbol),
          heartbeat: DEVNET_HEARTBEAT,
          haircutBps: token.haircutBps,
          liquidationThresholdBps: token.liquidationThresholdBps,
          liquidationBonusBps: token.liquidationBonusBps,
          capPerAccount: token.capPerAccount.toString(),
        },
      };
      if (token.underlying !== undefined) {
        underlyingTokens[chain.chainId] = {
          ...underlyingTokens[chain.chainId],
          [token.underlying.symbol]: at(token.underlying.symbol),
        };
      }
    }
    chains[chain.chainId] = {
      name: `devnet-${chain.role}-${chain.chainId}`,
      chainId: chain.chainId,
      role: chain.role,
      rpcUrl: chain.rpcUrl,
      finalityDepth: params.finalityDepth,
      blockTimeMs,
      deploymentBlock: Number(chain.deploymentBlock),
      contracts:
        chain.role === "hub"
          ? {
              vault: at("vault"),
              hub: at("hub"),
              perpMarkets: DEMO_PERPS.map((perp) => at(perpName(perp.symbol))),
              timelock: at("timelock"),
            }
          : { vault: at("vault"), timelock: at("timelock") },
      tokens,
    };
  }

  const manifest: DevnetManifest = {
    chains,
    attesters: { threshold: ATTESTER_THRESHOLD, addresses: params.accounts.attesters.map((a) => a.address) },
    maxAttestationAge: MAX_ATTESTATION_AGE,
    accounts: params.accounts,
    devnet: {
      startedAt: params.startedAt.toISOString(),
      pid: params.pid,
      blockTimeSeconds: params.blockTimeSeconds,
      feeds: Object.fromEntries(DEMO_TOKENS.map((token) => [token.symbol, feed(token.symbol)])),
      perpFeed: feed(DEMO_PERP.feedSymbol),
      perpFeeds: Object.fromEntries(DEMO_PERPS.map((perp) => [perp.symbol, feed(perp.feedSymbol)])),
      underlyingTokens,
    },
  };
  // Compile-time check that the manifest has the config's input shape.
  const asConfig: ConfigInput = manifest;
  void asConfig;
  return manifest;
}
