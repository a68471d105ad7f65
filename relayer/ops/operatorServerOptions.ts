import { ConfigError } from "../../shared/errors/BaseError.js";
import { isLoopback } from "./isLoopback.js";

/** Where the relayer's operator server listens and how Bull Board is guarded. */
export type OperatorServerOptions = {
  host?: string | undefined;
  readOnlyBoard?: boolean | undefined;
  boardAuth?: { username: string; password: string } | undefined;
};

/**
 * The operator server's options from the environment: `RELAYER_HOST` (bind address, default
 * 127.0.0.1), `RELAYER_BOARD_READONLY` (`1`/`true`: Bull Board without retry, clean, remove…),
 * `RELAYER_ADMIN_USER` and `RELAYER_ADMIN_PASSWORD` (basic auth in front of Bull Board, both or
 * neither). A host other than loopback needs the board read-only or behind basic auth: Bull
 * Board can otherwise move jobs for anyone who reaches the port.
 *
 * @param env the environment
 * @returns the options for `startRelayer`'s `operator`
 * @throws {ConfigError} naming the variable that is wrong
 */
export function operatorServerOptions(
  env: Readonly<Record<string, string | undefined>>,
): OperatorServerOptions {
  const host = env.RELAYER_HOST?.trim() || undefined;
  const readOnlyRaw = env.RELAYER_BOARD_READONLY?.trim().toLowerCase();
  if (readOnlyRaw !== undefined && !["", "0", "1", "true", "false"].includes(readOnlyRaw))
    throw new ConfigError("Bad RELAYER_BOARD_READONLY.", [
      {
        path: "RELAYER_BOARD_READONLY",
        message: `expected 1, true, 0 or false, got ${JSON.stringify(readOnlyRaw)}`,
      },
    ]);
  const readOnlyBoard = readOnlyRaw === "1" || readOnlyRaw === "true";
  const username = env.RELAYER_ADMIN_USER;
  const password = env.RELAYER_ADMIN_PASSWORD;
  if ((username === undefined || username === "") !== (password === undefined || password === ""))
    throw new ConfigError("Bull Board's basic auth needs both variables.", [
      { path: "RELAYER_ADMIN_USER/RELAYER_ADMIN_PASSWORD", message: "expected both set, or neither" },
    ]);
  const boardAuth = username && password ? { username, password } : undefined;
  if (host !== undefined && !isLoopback(host) && !readOnlyBoard && boardAuth === undefined)
    throw new ConfigError(`RELAYER_HOST=${host} would open Bull Board to the network.`, [
      {
        path: "RELAYER_HOST",
        message:
          "expected a loopback address, or set RELAYER_BOARD_READONLY=1 or RELAYER_ADMIN_USER and RELAYER_ADMIN_PASSWORD",
      },
    ]);
  return { host, readOnlyBoard, boardAuth };
}
