import { createWalletClient, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { marginHubAbi } from "../../shared/abis/generated.js";
import { defineLocalChain } from "../../shared/chains/defineLocalChain.js";
import { collateralsOf } from "../../shared/config/collateralsOf.js";
import { hubChain } from "../../shared/config/hubChain.js";
import { loadConfig } from "../../shared/config/loadConfig.js";
import type { Config } from "../../shared/config/schema.js";
import { ConfigError } from "../../shared/errors/BaseError.js";
import { DEFAULT_HAIRCUT_HORIZON_SECONDS, DEFAULT_HAIRCUT_Z } from "../../shared/risk/haircutProposal.js";
import { DEFAULT_VOLATILITY_WINDOW_SECONDS } from "../../shared/risk/realizedVolatility.js";
import { createPublicClients } from "../createPublicClients.js";
import { formatRiskLine, riskRound } from "../risk/riskRound.js";
import { parse } from "./runStatus.js";

/** Usage of `crossmargin risk`. */
export const RISK_USAGE = `Usage: crossmargin risk [--once] [--interval <s>] [--window <s>] [--z <z>] [--horizon <s>] [--api <url>] [--config <path>]

The volatility-haircut keeper. For every hub collateral with haircut bounds it reads the feed's
answers from the indexer, computes realized volatility σ (log returns annualized by the elapsed
time), the target haircut clamp(ceil(10000 × z × σ × √(horizon / year)), min, max), and sends
proposeHaircut one step (at most the hub's step per day) towards it when it differs from the
current haircut. One line per collateral and round. Key: $CROSSMARGIN_RISK_KEY (on the devnet,
the manifest's risk account); it must be the hub's riskAdmin().

  --once           run one round and exit (exit 1 when a round fails)
  --interval <s>   seconds between rounds, 1–86400 (default 3600)
  --window <s>     volatility look-back in seconds, 60–31536000 (default 604800, 7 days)
  --z <z>          confidence factor, 0 < z ≤ 10 (default 2.33, one-sided 99 %)
  --horizon <s>    seconds of move a haircut must cover, 60–31536000 (default 86400, 1 day)
  --api <url>      the indexer's URL (default: the config's apiUrl)
  --config <path>  config JSON (default: $CROSSMARGIN_CONFIG, else .devnet/manifest.json)`;

const KEY = /^0x[0-9a-fA-F]{64}$/;

/**
 * `crossmargin risk`: the volatility-haircut keeper (relayer/README.md, "Risk keeper").
 *
 * @param argv arguments after `risk`
 * @param signal stops the loop (SIGINT/SIGTERM)
 * @param env the environment (CROSSMARGIN_RISK_KEY)
 * @returns the exit code
 * @throws {ConfigError} on bad arguments, a missing key, or a key that is not the hub's risk admin
 */
export async function runRisk(
  argv: string[],
  signal: AbortSignal,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const { values } = parse(
    argv,
    {
      once: { type: "boolean" },
      interval: { type: "string" },
      window: { type: "string" },
      z: { type: "string" },
      horizon: { type: "string" },
      api: { type: "string" },
      config: { type: "string" },
      help: { type: "boolean" },
    },
    RISK_USAGE,
  );
  if (values.help === true) {
    process.stdout.write(`${RISK_USAGE}\n`);
    return 0;
  }
  const intervalSeconds = numberFlag("--interval", values.interval, 3600, 1, 86_400);
  const windowSeconds = numberFlag(
    "--window",
    values.window,
    DEFAULT_VOLATILITY_WINDOW_SECONDS,
    60,
    31_536_000,
  );
  const z = numberFlag("--z", values.z, DEFAULT_HAIRCUT_Z, Number.MIN_VALUE, 10);
  const horizonSeconds = numberFlag(
    "--horizon",
    values.horizon,
    DEFAULT_HAIRCUT_HORIZON_SECONDS,
    60,
    31_536_000,
  );
  const config = loadConfig({ path: typeof values.config === "string" ? values.config : undefined });
  const apiUrl = typeof values.api === "string" ? values.api : config.apiUrl;
  if (apiUrl === undefined)
    throw new ConfigError("No indexer URL.", [
      { path: "apiUrl", message: "expected the indexer's URL in the config, or --api <url>" },
    ]);
  const chain = hubChain(config);
  const client = createPublicClients(config).get(chain.chainId)!; // one client per configured chain
  const account = privateKeyToAccount(riskKey(config, env));
  const admin = await client.readContract({
    address: chain.contracts.hub,
    abi: marginHubAbi,
    functionName: "riskAdmin",
  });
  if (admin.toLowerCase() !== account.address.toLowerCase())
    throw new ConfigError("The risk key is not the hub's risk admin.", [
      {
        path: "CROSSMARGIN_RISK_KEY",
        message: `expected the key of the hub's riskAdmin() ${admin}, got the key of ${account.address}`,
      },
    ]);
  const wallet = createWalletClient({
    account,
    chain: defineLocalChain(chain),
    transport: http(chain.rpcUrl),
  });
  const round = () =>
    riskRound({
      hub: chain.contracts.hub,
      client,
      wallet,
      apiUrl,
      symbols: symbolsOf(config),
      windowSeconds,
      z,
      horizonSeconds,
    });
  if (values.once === true) {
    for (const line of await round()) process.stdout.write(`${formatRiskLine(line)}\n`);
    return 0;
  }
  while (!signal.aborted) {
    try {
      const lines = await round();
      const at = new Date().toISOString();
      for (const line of lines) process.stdout.write(`${at} ${formatRiskLine(line)}\n`);
    } catch (error) {
      process.stderr.write(
        `crossmargin risk: round failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
    }
    await sleep(intervalSeconds * 1000, signal);
  }
  return 0;
}

/** `CROSSMARGIN_RISK_KEY`, else the devnet manifest's `accounts.risk.privateKey`. */
function riskKey(config: Config, env: Readonly<Record<string, string | undefined>>): Hex {
  // The devnet manifest's accounts (DevnetAccounts); not validated by the schema.
  const devnet = (config.accounts as { risk?: { privateKey?: unknown } } | undefined)?.risk?.privateKey;
  const key = env.CROSSMARGIN_RISK_KEY || (typeof devnet === "string" ? devnet : undefined);
  if (key === undefined || !KEY.test(key))
    throw new ConfigError("No risk key.", [
      {
        path: "CROSSMARGIN_RISK_KEY",
        message: `expected a 32-byte hex private key (0x + 64 hex digits)${key === undefined ? "" : ", got a malformed one"}`,
      },
    ]);
  return key as Hex; // matched KEY just above
}

function symbolsOf(config: Config): Map<string, string> {
  return new Map(
    collateralsOf(config).map((c) => [`${c.chainId}:${c.token.toLowerCase()}`, `${c.symbol}@${c.chainId}`]),
  );
}

function numberFlag(
  flag: string,
  value: string | boolean | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const n = typeof value === "string" && /^[0-9]+(\.[0-9]+)?$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max))
    throw new ConfigError("Bad arguments.", [
      {
        path: flag,
        message: `expected a number from ${min === Number.MIN_VALUE ? "above 0" : min} to ${max}, got ${JSON.stringify(value)}`,
      },
    ]);
  return n;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
