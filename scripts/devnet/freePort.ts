import { createServer } from "node:net";

/**
 * A port on 127.0.0.1 that was free a moment ago (the OS picks it). Another process may still
 * take it before the caller binds, so callers that spawn a server retry or accept a moved port.
 *
 * @returns the port
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : undefined;
      server.close(() => (port === undefined ? reject(new Error("no port assigned")) : resolve(port)));
    });
  });
}
