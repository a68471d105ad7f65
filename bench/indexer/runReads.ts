import { loadavg } from "node:os";
import { ACCOUNT_MARGIN_QUERY, MARGIN_QUERY } from "../../test/kit/indexerApi.js";
import { type Endpoint, type Load, measureReads, type ReadSample } from "./measureReads.js";
import { type SummarizeLatenciesReturnType, summarizeLatencies } from "./summarizeLatencies.js";

/** Ponder's cheapest read: one `collateral_balance` row by primary key through its GraphQL. */
export const PK_READ: Endpoint = {
  name: "GraphQL `collateralBalance(account, chainId, token)` (primary key)",
  path: "/graphql",
  body: graphql(
    "query($account: String!, $chainId: Float!, $token: String!) { collateralBalance(account: $account, chainId: $chainId, token: $token) { account balance } }",
  ),
  perAccount: true,
};

/** The margin read over REST. */
export const REST_MARGIN: Endpoint = {
  name: "REST `GET /accounts/:address/margin`",
  path: "/accounts/{account}/margin",
  perAccount: true,
};

/** The margin read over GraphQL: the account's `account_margin` row (totals and health). */
export const GRAPHQL_MARGIN_ROW: Endpoint = {
  name: "GraphQL `accountMargins`",
  path: "/graphql",
  body: graphql(ACCOUNT_MARGIN_QUERY),
  perAccount: true,
};

/** The margin with its lines over GraphQL: the account's rows of the three margin views (REST's answer but the open withdrawals). */
export const GRAPHQL_MARGIN: Endpoint = {
  name: "GraphQL `accountMargins`, `collateralLines`, `requirementLines`",
  path: "/graphql",
  body: graphql(MARGIN_QUERY),
  perAccount: true,
};

/** Accounts sorted by health at the newest prices. */
export const AT_RISK: Endpoint = {
  name: "REST `GET /accounts/at-risk?healthBelow=1.1&limit=100`",
  path: "/accounts/at-risk?healthBelow=1.1&limit=100",
  perAccount: false,
};

/** Parameters of {@link runReads}. */
export type RunReadsParameters = {
  baseUrl: string;
  samples: ReadSample[];
  concurrencies: readonly number[];
  /** Measured requests per endpoint and concurrency. */
  requests: number;
  progress: (line: string) => void;
};

/** Latencies per concurrency of the baseline and the two margin reads, and of the at-risk read. */
export type ReadsReport = {
  levels: { concurrency: number; pk: Summary; rest: Summary; graphqlRow: Summary; graphql: Summary }[];
  /** Its latencies, or why it could not be measured. */
  atRisk: Summary | string;
  requests: number;
  /** Accounts the requests cycle through. */
  samples: number;
  /** The machine's 1-minute load average after the reads. */
  loadAverage: number;
};
type Summary = SummarizeLatenciesReturnType;

const WARMUP = 300;
const LEVEL_WARMUP = 50;

/**
 * The read benchmark: at each concurrency, the primary-key read, REST and the two GraphQL margin
 * reads in order and then in reverse order (half the requests each time, pooled per endpoint: a
 * drift of the machine's load weighs on all of them alike); then the at-risk read, one at a time.
 *
 * @param parameters server, samples, concurrencies and requests
 * @returns the latency summaries
 */
export async function runReads(parameters: RunReadsParameters): Promise<ReadsReport> {
  const { concurrencies, requests } = parameters;
  const reads = [PK_READ, REST_MARGIN, GRAPHQL_MARGIN_ROW, GRAPHQL_MARGIN];
  const loads: Load[] = [];
  for (const [level, concurrency] of concurrencies.entries())
    for (const [pass, endpoint] of [...reads, ...[...reads].reverse()].entries())
      loads.push({
        endpoint,
        concurrency,
        warmup: pass >= reads.length ? 0 : level === 0 ? WARMUP : LEVEL_WARMUP,
        requests: Math.ceil(requests / 2),
      });
  parameters.progress(
    `reads: ${requests} requests per endpoint at ${concurrencies.join(", ")} in flight, from a second process…`,
  );
  const job = { baseUrl: parameters.baseUrl, samples: parameters.samples };
  const latencies = await measureReads({ ...job, loads });
  parameters.progress("reads: the at-risk list, one at a time…");
  const atRisk = await measureReads({
    ...job,
    loads: [{ endpoint: AT_RISK, concurrency: 1, warmup: 2, requests: 50, maxMs: 20_000 }],
  }).then(
    ([only]) => summarizeLatencies(only ?? []),
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
  const pooled = (concurrency: number, endpoint: Endpoint) =>
    summarizeLatencies(
      loads.flatMap((load, i) =>
        load.concurrency === concurrency && load.endpoint === endpoint ? (latencies[i] ?? []) : [],
      ),
    );
  return {
    levels: concurrencies.map((concurrency) => ({
      concurrency,
      pk: pooled(concurrency, PK_READ),
      rest: pooled(concurrency, REST_MARGIN),
      graphqlRow: pooled(concurrency, GRAPHQL_MARGIN_ROW),
      graphql: pooled(concurrency, GRAPHQL_MARGIN),
    })),
    atRisk,
    requests,
    samples: parameters.samples.length,
    loadAverage: loadavg()[0] ?? Number.NaN,
  };
}

/** A GraphQL body whose variables are filled from the sample (`$chainId` as a number). */
function graphql(query: string): string {
  const variables = ["account", "chainId", "token"].filter((name) => query.includes(`$${name}:`));
  return JSON.stringify({
    query: query.replace(/\s+/g, " "),
    variables: Object.fromEntries(variables.map((name) => [name, `{${name}}`])),
  }).replace('"{chainId}"', "{chainId}");
}
