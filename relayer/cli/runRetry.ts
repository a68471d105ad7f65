import { loadConfig } from "../../shared/config/loadConfig.js";
import { ConfigError } from "../../shared/errors/BaseError.js";
import { retryJob } from "../ops/retryJob.js";
import { JOB_OPTIONS } from "../pipeline/jobOptions.js";
import { parse } from "./runStatus.js";

/** Usage of `crossmargin retry`. */
export const RETRY_USAGE = `Usage: crossmargin retry <job-id> [--queue <name>] [--config <path>]

Retries a failed job, or re-queues a dead letter under its original job id. The id is the one
\`crossmargin status\` lists (e.g. batch-31338-120-0 or packet-0x…).

  --queue <name>    only look in this queue (when the id is failed in several)
  --config <path>   config JSON (default: $CROSSMARGIN_CONFIG, else .devnet/manifest.json)`;

/**
 * `crossmargin retry <job-id>`.
 *
 * @param argv arguments after `retry`
 * @returns the exit code
 */
export async function runRetry(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { config: { type: "string" }, queue: { type: "string" }, help: { type: "boolean" } },
    RETRY_USAGE,
  );
  if (values.help === true) {
    process.stdout.write(`${RETRY_USAGE}\n`);
    return 0;
  }
  const [jobId, ...extra] = positionals;
  if (jobId === undefined || extra.length > 0) {
    throw new ConfigError(
      "Expected exactly one job id.",
      [{ path: "<job-id>", message: `expected one job id, got ${positionals.length}` }],
      {
        metaMessages: [RETRY_USAGE],
      },
    );
  }
  const config = loadConfig({ path: typeof values.config === "string" ? values.config : undefined });
  const result = await retryJob({
    config,
    jobId,
    queue: typeof values.queue === "string" ? values.queue : undefined,
    jobOptions: JOB_OPTIONS,
  });
  process.stdout.write(`retried ${jobId} in ${result.queue} (was ${result.from}; now ${result.state})\n`);
  return 0;
}
