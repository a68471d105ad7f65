import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { type Logger, pino } from "pino";
import type { Address, Hex, PublicClient } from "viem";
import type { Config } from "../../shared/config/schema.js";
import { createPublicClients } from "../createPublicClients.js";
import { type AttesterAccess, attesterAccessFromEnv } from "./attesterAccess.js";
import { createAttesterApp } from "./createAttesterApp.js";
import { createLocalAttester } from "./createLocalAttester.js";
import { AttesterArgumentError } from "./errors.js";

/** Parameters of {@link startAttesterServer}. */
export type StartAttesterServerParameters = {
  /** The parsed config. */
  config: Config;
  /** The attester's private key. */
  privateKey: Hex;
  /** Port to listen on (0 = any free port). */
  port: number;
  /** Interface to listen on (default `127.0.0.1`; `0.0.0.0` for every interface). */
  host?: string | undefined;
  /** Where logs go (default: pino JSON on stdout). */
  logger?: Logger | undefined;
  /** RPC clients per chain (default: `createPublicClients(config)`). */
  clients?: Map<number, PublicClient> | undefined;
  /** Client tokens, rate limit and leaf cap (`attesterAccessFromEnv`); default: no tokens, so loopback only. */
  access?: AttesterAccess | undefined;
};

/** Return type of {@link startAttesterServer}. */
export type StartAttesterServerReturnType = {
  /** Base URL of the server, e.g. `http://127.0.0.1:9470` (give it to the relayer's `attesterUrls`). */
  url: string;
  /** The attester's address. */
  address: Address;
  /** Stops listening and closes open connections. */
  stop(): Promise<void>;
};

/**
 * Starts a `crossmargin attester` HTTP server: an in-process attester (`createLocalAttester`,
 * reading the chains from its own RPC clients) behind `createAttesterApp`'s API.
 *
 * @param parameters config, key, port, host, logger, clients
 * @returns the URL, the attester's address and `stop`
 * @throws {AttesterArgumentError} when the port cannot be bound
 * @throws {ConfigError} for a non-loopback host without client tokens
 * @example
 * const server = await startAttesterServer({ config, privateKey, port: 9470 });
 * // POST `${server.url}/v1/attest` …
 * await server.stop();
 */
export async function startAttesterServer(
  parameters: StartAttesterServerParameters,
): Promise<StartAttesterServerReturnType> {
  const { config } = parameters;
  const host = parameters.host ?? "127.0.0.1";
  const logger = parameters.logger ?? pino({ base: { service: "crossmargin-attester" } });
  const clients = parameters.clients ?? createPublicClients(config);
  const attester = createLocalAttester({ config, clients, privateKey: parameters.privateKey });
  const access = parameters.access ?? attesterAccessFromEnv({}, host);
  const app = createAttesterApp({ attester, config, logger, access });
  const server = createServer(getRequestListener(app.fetch));
  const port = await listen(server, parameters.port, host);
  const shownHost =
    host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}`;
  logger.info({ at: "attester.start", address: attester.address, url, host }, "attester listening");

  let stopped: Promise<void> | undefined;
  return {
    url,
    address: attester.address,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        logger.info({ at: "attester.stop", address: attester.address }, "attester stopped");
      });
      return stopped;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const reason = error.code === "EADDRINUSE" ? "it is already in use" : error.message;
      reject(new AttesterArgumentError(`Cannot listen on ${host}:${port}: ${reason}.`, { cause: error }));
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      // A TCP server's address() is an AddressInfo once listening.
      resolve((server.address() as AddressInfo).port);
    });
  });
}
