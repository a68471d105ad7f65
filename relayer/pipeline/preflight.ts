import type { Address, PublicClient } from "viem";
import type { Config } from "../../shared/config/schema.js";
import { ConfigError } from "../../shared/errors/BaseError.js";
import { redactUrl } from "../ops/redactUrl.js";
import { withTimeout } from "../ops/withTimeout.js";

/** Parameters of {@link preflight}. */
export type PreflightParameters = {
  config: Config;
  /** The relayer's own RPC client per chain id. */
  clients: ReadonlyMap<number, PublicClient>;
  /** The address the relayer sends deliveries from. */
  relayer: Address;
  /** The attesters it asks: in-process ones have no URL, remote ones are reached at `url` with `token`. */
  attesters: readonly { address: Address; url?: string | undefined; token?: string | undefined }[];
  /** How long one check may take (default 5000 ms). */
  timeoutMs?: number;
};

/** One thing wrong, as `ConfigError` lists it: where, and what was expected and found. */
export type PreflightProblem = { path: string; message: string };

/**
 * What the relayer checks before it takes any work, every check at once: each RPC answers with
 * its chain's id, every configured contract has code, the relayer's key holds funds on every
 * chain (each is a destination), and the attesters it can reach (in-process keys plus remote
 * servers accepting its token at `/v1/auth`) are at least the threshold.
 *
 * @param parameters config, clients, relayer address, attesters
 * @returns the problems found, each naming the chain, the field and what was expected (none: ready)
 */
export async function findPreflightProblems(parameters: PreflightParameters): Promise<PreflightProblem[]> {
  const { config, clients, relayer } = parameters;
  const timeoutMs = parameters.timeoutMs ?? 5_000;
  const chainChecks = Object.values(config.chains).map(async (chain): Promise<PreflightProblem[]> => {
    const at = `chains.${chain.chainId}`;
    const rpc = redactUrl(chain.rpcUrl);
    const client = clients.get(chain.chainId);
    if (client === undefined) return [{ path: `${at}.rpcUrl`, message: "no RPC client for this chain" }];
    let id: number;
    try {
      id = await patiently(() => withTimeout(client.getChainId(), timeoutMs, "asking eth_chainId"));
    } catch (error) {
      return [
        {
          path: `${at}.rpcUrl`,
          message: `expected an RPC answering eth_chainId at ${rpc}: ${firstLine(error)}`,
        },
      ];
    }
    if (id !== chain.chainId)
      return [
        { path: `${at}.rpcUrl`, message: `expected chain id ${chain.chainId} at ${rpc}, the RPC says ${id}` },
      ];
    const problems: PreflightProblem[] = [];
    // Every address, a list's entries named by index (`perpMarkets.1`).
    const contracts = Object.entries(chain.contracts).flatMap(([name, value]): [string, Address][] =>
      Array.isArray(value)
        ? value.map((address, index): [string, Address] => [`${name}.${index}`, address])
        : typeof value === "string"
          ? [[name, value]]
          : [],
    );
    const codes = await Promise.all(
      contracts.map(([, address]) =>
        patiently(() => withTimeout(client.getCode({ address }), timeoutMs, "reading code")).catch(
          () => undefined,
        ),
      ),
    );
    contracts.forEach(([name, address], i) => {
      if (codes[i] === undefined || codes[i] === "0x")
        problems.push({
          path: `${at}.contracts.${name}`,
          message: `expected a contract at ${address}, found no code`,
        });
    });
    const balance = await withTimeout(
      client.getBalance({ address: relayer }),
      timeoutMs,
      "reading a balance",
    ).catch(() => undefined);
    if (balance === undefined || balance === 0n)
      problems.push({
        path: `${at}.relayerKey`,
        message: `expected funds for gas on chain ${chain.chainId} at the relayer's address ${relayer}, found ${balance === undefined ? "no answer" : "0"}`,
      });
    return problems;
  });
  const refused: PreflightProblem[] = [];
  const reachable = await Promise.all(
    parameters.attesters.map(async (attester) => {
      if (attester.url === undefined) return true;
      // An authenticated endpoint: a wrong or missing token shows now, not at the first claim.
      const url = `${attester.url.replace(/\/+$/, "")}/v1/auth`;
      const headers =
        attester.token === undefined ? undefined : { authorization: `Bearer ${attester.token}` };
      try {
        const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
        if (response.status === 401)
          refused.push({
            path: `relayer.attesterUrls.${attester.address}`,
            message: `expected the attester to accept this relayer's token, it answered 401 (set REMOTE_ATTESTER_TOKENS)`,
          });
        return response.ok;
      } catch {
        return false;
      }
    }),
  );
  const problems = [...(await Promise.all(chainChecks)).flat(), ...refused];
  const reached = reachable.filter(Boolean).length;
  const { threshold } = config.attesters;
  if (reached < threshold) {
    const missing = parameters.attesters.filter((_, i) => !reachable[i]).map((a) => a.address);
    problems.push({
      path: "attesters.threshold",
      message: `expected at least ${threshold} attesters the relayer can reach (in-process keys or relayer.attesterUrls), found ${reached}${missing.length > 0 ? `; unreachable: ${missing.join(", ")}` : ""}`,
    });
  }
  return problems;
}

/**
 * {@link findPreflightProblems}, throwing when anything is wrong.
 *
 * @param parameters config, clients, relayer address, attesters
 * @throws {ConfigError} listing every problem, one line each
 */
export async function preflight(parameters: PreflightParameters): Promise<void> {
  const problems = await findPreflightProblems(parameters);
  if (problems.length > 0)
    throw new ConfigError(
      `The relayer cannot start: ${problems.length} problem${problems.length === 1 ? "" : "s"} with its chains, key or attesters.`,
      problems,
    );
}

/** `read()`, tried up to 4 times 250 ms apart: a flaky RPC is not a wrong one. */
async function patiently<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await read();
    } catch (error) {
      if (attempt >= 4) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}

/** Return type of {@link watchPreflight}. */
export type PreflightWatch = {
  /** What the newest check found (none before the first finishes). */
  problems: () => readonly PreflightProblem[];
  stop: () => void;
};

/**
 * Runs {@link findPreflightProblems} every `intervalMs` for `/healthz`: what was right at start
 * can break later (an RPC down, the key out of funds, an attester server gone).
 *
 * @param parameters the start check's parameters
 * @param intervalMs time between checks
 * @returns the newest problems and `stop`
 */
export function watchPreflight(parameters: PreflightParameters, intervalMs: number): PreflightWatch {
  let latest: readonly PreflightProblem[] = [];
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const run = async () => {
    latest = await findPreflightProblems(parameters).catch((error: unknown) => [
      { path: "relayer", message: `the health check failed: ${firstLine(error)}` },
    ]);
    if (!stopped) timer = setTimeout(run, intervalMs);
  };
  timer = setTimeout(run, intervalMs);
  return {
    problems: () => latest,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
