import { pino } from "pino";
import { loadConfig } from "../../shared/config/loadConfig.js";
import { attesterAccessFromEnv } from "./attesterAccess.js";
import { startAttesterServer } from "./attesterServer.js";
import { ATTESTER_USAGE, parseAttesterArgs } from "./parseAttesterArgs.js";
import { readAttesterKey } from "./readAttesterKey.js";

/**
 * What `crossmargin attester` runs: loads the config (`--config`, else `CROSSMARGIN_CONFIG`, else
 * the devnet manifest), reads `ATTESTER_PRIVATE_KEY`, serves the attester on `--port` (default
 * 9470) and `--host` (default 127.0.0.1) until SIGTERM or SIGINT, then stops cleanly.
 *
 * @param argv the arguments after `attester`
 * @param env the environment (`CROSSMARGIN_CONFIG`, `ATTESTER_PRIVATE_KEY`, `ATTESTER_CLIENT_TOKENS`,
 *   `ATTESTER_RATE_LIMIT`, `ATTESTER_MAX_LEAVES`, `LOG_LEVEL`, overrides `loadConfig` reads)
 * @returns once the server has stopped after a signal (at once after `--help`)
 * @throws {AttesterArgumentError} on a bad argument
 * @throws {ConfigError} when the config is missing or invalid
 * @throws {AttesterKeyError} when the key is missing, malformed, or not in `attesters.addresses`
 * @example
 * // ATTESTER_PRIVATE_KEY=0x… crossmargin attester --config deployment.json --port 9470
 * await runAttester(process.argv.slice(3), process.env);
 */
export async function runAttester(
  argv: string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<void> {
  const args = parseAttesterArgs(argv);
  if (args.help) {
    process.stdout.write(`${ATTESTER_USAGE}\n`);
    return;
  }
  const config = loadConfig({ path: args.configPath, env });
  const { privateKey } = readAttesterKey(env, config);
  const logger = pino({ level: env.LOG_LEVEL ?? "info", base: { service: "crossmargin-attester" } });
  const access = attesterAccessFromEnv(env, args.host);
  const server = await startAttesterServer({
    config,
    privateKey,
    port: args.port,
    host: args.host,
    logger,
    access,
  });
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (received: NodeJS.Signals) => {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      resolve(received);
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
  logger.info({ at: "attester.run", signal }, "stopping");
  await server.stop();
}
