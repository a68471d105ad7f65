import type { VerifiedRun } from "./renderIndexerSection.js";
import type { BackfillRun } from "./runBackfill.js";

/** Parameters of {@link verifyBackfill}. */
export type VerifyBackfillParameters = {
  run: BackfillRun;
  /** Vault events generated (the bare project stores one row each). */
  vaultEvents: number;
  /** Accounts the real indexer must aggregate (one `account_margin` row each). */
  expectedAccounts: number;
};

/**
 * The correctness check of a backfill: the bare project stored every event (its `raw_event` rows
 * on Postgres; on PGlite, which only Ponder can open, Ponder's own count of handled events), the
 * real indexer aggregated every account (`account_margin` rows, through SQL on Postgres or its
 * GraphQL API on PGlite, so the real run must still be serving).
 *
 * @param parameters the run and what it must contain
 * @returns whether it holds, and what was counted
 */
export async function verifyBackfill(parameters: VerifyBackfillParameters): Promise<VerifiedRun["check"]> {
  const { run, vaultEvents, expectedAccounts } = parameters;
  if (!run.finished) return { ok: false, text: "unfinished" };
  if (run.project === "bare") {
    const rows =
      run.queryValue === undefined
        ? run.events // PGlite cannot be read while Ponder holds it: Ponder's own count of handled events
        : Number(await run.queryValue(`SELECT count(*) FROM "${run.schema}".raw_event`));
    const what = run.queryValue === undefined ? "events handled" : "`raw_event` rows";
    return {
      ok: rows === vaultEvents,
      text: `${rows.toLocaleString("en-US")} ${what} (expected ${vaultEvents.toLocaleString("en-US")})`,
    };
  }
  const accounts = await countAccounts(run.ponder?.url, run.queryValue, run.schema);
  return {
    ok: accounts === expectedAccounts,
    text: `${accounts.toLocaleString("en-US")} \`account_margin\` rows (expected ${expectedAccounts.toLocaleString("en-US")})`,
  };
}

async function countAccounts(
  url: string | undefined,
  queryValue: ((sql: string) => Promise<string>) | undefined,
  schema: string,
): Promise<number> {
  if (queryValue !== undefined)
    return Number(await queryValue(`SELECT count(*) FROM "${schema}".account_margin`));
  if (url === undefined) return Number.NaN;
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: "{ accountMargins(limit: 1) { totalCount } }" }),
  });
  const body: unknown = await response.json();
  const count = (body as { data?: { accountMargins?: { totalCount?: number } } }).data?.accountMargins
    ?.totalCount; // GraphQL answer shape
  return count ?? Number.NaN;
}
