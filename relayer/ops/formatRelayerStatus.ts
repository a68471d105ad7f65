import type { DeadLetterSummary, RelayerStatus } from "./getRelayerStatus.js";
import { QUEUE_JOB_STATES } from "./metrics.js";

/**
 * Renders a status as plain-text tables for a terminal: routes (from the indexer, or why it could
 * not be read), queue depths by state, and the latest dead letters.
 *
 * @param status what {@link getRelayerStatus} returned
 * @returns the text, ending with a newline
 * @example
 * process.stdout.write(formatRelayerStatus(await getRelayerStatus({ config })));
 */
export function formatRelayerStatus(status: RelayerStatus): string {
  const lines: string[] = [
    `crossmargin relayer status at ${new Date(status.at).toISOString()}`,
    `redis ${status.redis}, queue prefix ${JSON.stringify(status.prefix)}`,
    "",
  ];
  lines.push(...routesSection(status), "");
  lines.push(`Queues`);
  lines.push(
    ...table(
      ["queue", ...QUEUE_JOB_STATES],
      status.queues.map((q) => [q.queue, ...QUEUE_JOB_STATES.map((state) => String(q.counts[state] ?? 0))]),
    ),
    "",
  );
  lines.push(...deadLettersSection(status));
  return `${lines.join("\n")}\n`;
}

function routesSection(status: RelayerStatus): string[] {
  const { indexer } = status;
  if (!indexer.reachable)
    return [
      `Routes: indexer unreachable${indexer.url === undefined ? "" : ` at ${indexer.url}`}: ${indexer.error}`,
    ];
  if (indexer.routes.length === 0) return [`Routes (indexer ${indexer.url}): none configured`];
  return [
    `Routes (indexer ${indexer.url})`,
    ...table(
      ["route", "in flight", "lag", "delivered", "last delivery", "latency", "last kind"],
      indexer.routes.map((r) => [
        r.route,
        String(r.inFlight),
        r.oldestInFlightAgeSeconds === null ? "-" : duration(r.oldestInFlightAgeSeconds),
        String(r.delivered),
        r.lastDelivered?.ageSeconds == null ? "-" : `${duration(r.lastDelivered.ageSeconds)} ago`,
        r.lastDelivered?.latencySeconds == null ? "-" : duration(r.lastDelivered.latencySeconds),
        r.lastDelivered?.kind ?? "-",
      ]),
    ),
  ];
}

/**
 * One block per dead letter, newest first: the job id to retry, where and when it failed, what
 * the work was, the reason and the full error, and the command that re-queues it.
 */
function deadLettersSection(status: RelayerStatus): string[] {
  const { total, latest } = status.deadLetters;
  if (total === 0) return ["Dead letters: none"];
  const shown = latest.length < total ? ` (latest ${latest.length} shown)` : "";
  return [
    `Dead letters: ${total}${shown}; after fixing the cause, \`crossmargin retry <job>\` re-queues one`,
    ...latest.flatMap((d) => [
      d.jobId,
      `  failed at  ${new Date(d.failedAt).toISOString()} in ${d.queue}${stage(d)}`,
      ...(d.kind === undefined
        ? []
        : [`  work       ${d.kind}${d.route === undefined ? "" : ` on route ${d.route}`}`]),
      `  reason     ${d.reason}`,
      `  error      ${oneLine(d.message, 400)}`,
      `  retry      crossmargin retry ${d.jobId}`,
    ]),
  ];
}

/** `" (delivering to chain 31338 "devnet-vault-31338")"`, or `" (attesting …)"`. */
function stage(d: DeadLetterSummary): string {
  if (d.destination === undefined) return "";
  const { chainId, name } = d.destination;
  const chain = `chain ${chainId}${name === undefined ? "" : ` ${JSON.stringify(name)}`}`;
  return d.queue.startsWith("deliver-") ? ` (delivering to ${chain})` : ` (attesting for ${chain})`;
}

/** Columns padded to their widest cell; a column of numbers (or `-`) is right-aligned. */
function table(header: readonly string[], rows: readonly string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const numeric = header.map(
    (_, i) => rows.length > 0 && rows.every((row) => /^(\d+|-)$/.test(row[i] ?? "")),
  );
  const render = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [render(header), ...rows.map(render)];
}

/** `42s`, `3m05s`, `2h04m`, `3d02h`. */
function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 86_400)}d${String(Math.floor((s % 86_400) / 3600)).padStart(2, "0")}h`;
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
