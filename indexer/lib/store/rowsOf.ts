/**
 * The rows of a `context.db.sql.execute(…)` answer. Ponder's handler `db.sql` is a drizzle
 * `pg-proxy`, whose `execute` resolves to the row array itself, though its type says a driver
 * result with `rows`; both shapes are accepted.
 *
 * @param result what `db.sql.execute` resolved to
 * @returns the rows (objects keyed by column name)
 */
export function rowsOf(result: unknown): Record<string, unknown>[] {
  const rows: unknown = Array.isArray(result) ? result : (result as { rows?: unknown } | null)?.rows; // either shape, checked below
  if (!Array.isArray(rows)) return [];
  return rows.filter((row): row is Record<string, unknown> => typeof row === "object" && row !== null);
}
