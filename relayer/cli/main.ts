#!/usr/bin/env node
/**
 * `crossmargin`: the operator's CLI. `crossmargin help` lists the commands.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { BaseError } from "../../shared/errors/BaseError.js";

const USAGE = `Usage: crossmargin <command> [options]

Commands:
  dev              start the whole devnet: chains, contracts, indexer, relayer, attesters (= npm run dev)
  relayer          run a relayer (discover → attest → deliver)            crossmargin relayer --help
  attester         run one attester's HTTP signer with its own key         crossmargin attester --help
  status           per route: lag, in flight, oldest age; queue depths; dead letters
  retry <job-id>   retry a failed or dead-lettered job
  watch            print accounts whose health crosses a threshold          crossmargin watch --health-below 1.2
  risk             volatility-haircut keeper: propose haircuts from σ      crossmargin risk --help
  verify-solvency  check a solvency inclusion proof against its root      crossmargin verify-solvency --help
  help             this text

Every command but verify-solvency reads the config from --config <path>, else $CROSSMARGIN_CONFIG, else
.devnet/manifest.json (written by \`npm run dev\`).`;

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "dev":
      return runDev(rest);
    // Each command loads its own modules: `verify-solvency` and `help` need no queue or chain client.
    case "relayer":
      await (await import("../pipeline/runRelayer.js")).runRelayer(rest);
      return 0;
    case "attester":
      await (await import("../attester/runAttester.js")).runAttester(rest);
      return 0;
    case "status":
      return (await import("./runStatus.js")).runStatus(rest);
    case "retry":
      return (await import("./runRetry.js")).runRetry(rest);
    case "watch": {
      const stop = new AbortController();
      process.once("SIGINT", () => stop.abort());
      process.once("SIGTERM", () => stop.abort());
      return (await import("./runWatch.js")).runWatch(rest, stop.signal);
    }
    case "risk": {
      const stop = new AbortController();
      process.once("SIGINT", () => stop.abort());
      process.once("SIGTERM", () => stop.abort());
      return (await import("./runRisk.js")).runRisk(rest, stop.signal);
    }
    case "verify-solvency":
      return (await import("./runVerifySolvency.js")).runVerifySolvency(rest);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`crossmargin: unknown command ${JSON.stringify(command)}\n\n${USAGE}\n`);
      return 2;
  }
}

/** `crossmargin dev` is `npm run dev`: the devnet script, with the arguments passed on. */
function runDev(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/dev.ts", ...args], {
      cwd: ROOT,
      stdio: "inherit",
    });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    child.on("exit", (code) => resolve(code ?? 1));
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof BaseError ? error.message : error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  },
);
