/**
 * `npm run demo [-- --config <manifest>]`: walks the crossmargin story (deposits on two vault
 * chains credited on the hub, a position, a price fall, a liquidation whose seizes the relayer
 * delivers to both chains, an approved and a rejected withdrawal) against a running `npm run dev`.
 * Exits 0 when every step completed, 1 with the step and what it waited for otherwise.
 */
import { BaseError } from "../shared/errors/BaseError.js";
import { runDemo } from "./demo/runDemo.js";

const USAGE = `Usage: npm run demo [-- --config <path>]

Runs the crossmargin demo against a running devnet. Start one first with \`npm run dev\`
in another terminal and wait for "devnet ready".

  --config <path>   the devnet manifest (default: $CROSSMARGIN_CONFIG, else .devnet/manifest.json)
  --help            this text`;

function parseArgs(argv: string[]): { configPath?: string; help: boolean } {
  let configPath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") return { help: true };
    if (arg === "--config") {
      configPath = argv[++i];
      if (configPath === undefined) throw new Error("--config expects a path, got nothing");
      continue;
    }
    if (arg?.startsWith("--config=")) {
      configPath = arg.slice("--config=".length);
      continue;
    }
    throw new Error(`unknown argument ${JSON.stringify(arg)}; expected --config <path> or --help`);
  }
  return configPath === undefined ? { help: false } : { configPath, help: false };
}

try {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    console.log(USAGE);
    process.exit(0);
  }
  await runDemo({ configPath: args.configPath });
  process.exit(0);
} catch (error) {
  console.error(
    `\ndemo failed: ${error instanceof BaseError ? error.message : error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
}
