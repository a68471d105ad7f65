import { loadConfig } from "../../shared/config/loadConfig.js";
import { ConfigError } from "../../shared/errors/BaseError.js";
import { parse } from "./runStatus.js";

/** Usage of `crossmargin watch`. */
export const WATCH_USAGE = `Usage: crossmargin watch --health-below <factor> [--api <url>] [--basis credited|vault] [--interval-ms <ms>] [--config <path>]

Follows the indexer's GET /stream/health and prints one line per account whose health factor
crosses the threshold: "below" when it falls under it (also, marked "already", for every account
under it when the watch starts), "above" when it is back at or over it. Runs until Ctrl-C; after a
lost connection it reconnects every 2 s.

  --health-below <factor>  the threshold, a decimal such as 1.2 (required; at most 18 decimals)
  --api <url>              the indexer's URL (default: the config's apiUrl)
  --basis credited|vault   health over the hub's credits (default) or the vault balances
  --interval-ms <ms>       how often the indexer re-reads the margins, 100–60000 (default 1000)
  --config <path>          config JSON (default: $CROSSMARGIN_CONFIG, else .devnet/manifest.json)`;

const HEALTH = /^(0|[1-9][0-9]{0,8})(\.[0-9]{1,18})?$/;

/** One server-sent event. */
type SseEvent = { event: string; data: string };

/**
 * `crossmargin watch`: prints the health crossings the indexer streams.
 *
 * @param argv arguments after `watch`
 * @param signal stops the watch (Ctrl-C)
 * @returns the exit code: 0 when stopped, 2 when the indexer refuses the parameters
 */
export async function runWatch(argv: string[], signal: AbortSignal): Promise<number> {
  const { values } = parse(
    argv,
    {
      "health-below": { type: "string" },
      api: { type: "string" },
      basis: { type: "string" },
      "interval-ms": { type: "string" },
      config: { type: "string" },
      help: { type: "boolean" },
    },
    WATCH_USAGE,
  );
  if (values.help === true) {
    process.stdout.write(`${WATCH_USAGE}\n`);
    return 0;
  }
  const below = values["health-below"];
  if (typeof below !== "string" || !HEALTH.test(below))
    throw new ConfigError("Bad arguments.", [
      {
        path: "--health-below",
        message: `expected a health factor such as 1.2 (at most 18 decimals), got ${below === undefined ? "nothing" : JSON.stringify(below)}`,
      },
    ]);
  const api = typeof values.api === "string" ? values.api : apiFromConfig(values.config);
  const query = new URLSearchParams({ below });
  if (typeof values.basis === "string") query.set("basis", values.basis);
  if (typeof values["interval-ms"] === "string") query.set("intervalMs", values["interval-ms"]);
  const url = `${api.replace(/\/$/, "")}/stream/health?${query}`;
  while (!signal.aborted) {
    try {
      const response = await fetch(url, { signal, headers: { accept: "text/event-stream" } });
      if (response.status === 400) {
        const body = (await response.json()) as { error: string; parameter: string }; // the API's 400 shape
        process.stderr.write(`crossmargin watch: ${flagOf(body.parameter)}: ${body.error}\n`);
        return 2;
      }
      if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status} from ${url}`);
      for await (const event of readEvents(response.body)) printEvent(event);
      process.stderr.write("crossmargin watch: the stream ended; reconnecting\n");
    } catch (error) {
      if (signal.aborted) break;
      process.stderr.write(
        `crossmargin watch: ${error instanceof Error ? error.message : String(error)}; retrying in 2 s\n`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
  return 0;
}

function apiFromConfig(path: string | boolean | undefined): string {
  const config = loadConfig({ path: typeof path === "string" ? path : undefined });
  if (config.apiUrl === undefined)
    throw new ConfigError("No indexer URL.", [
      { path: "apiUrl", message: "expected the indexer's URL in the config, or --api <url>" },
    ]);
  return config.apiUrl;
}

function flagOf(parameter: string): string {
  return { below: "--health-below", intervalMs: "--interval-ms", basis: "--basis" }[parameter] ?? parameter;
}

/** One line per crossing: `<time> below|above <account> health <factor> (threshold <below>[, already])`. */
function printEvent({ event, data }: SseEvent): void {
  if (event === "heartbeat") return;
  // The stream's documented event bodies (indexer/src/api/streamHealth.ts).
  const body = JSON.parse(data) as Record<string, unknown>;
  if (event === "ready") {
    process.stderr.write(
      `crossmargin watch: health below ${body.below} (${body.basis}), ${body.accountsBelow} account(s) under it now\n`,
    );
    return;
  }
  if (event !== "below" && event !== "above") return;
  const health = body.health === null ? "not computable" : `health ${body.health}`;
  process.stdout.write(
    `${body.at} ${event} ${body.account} ${health} (threshold ${body.below}${body.initial === true ? ", already" : ""})\n`,
  );
}

/** Server-sent events from a response body (`event:` and `data:` lines, blank-line separated). */
async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, "\n");
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length > 0) yield { event, data: data.join("\n") };
    }
  }
}
