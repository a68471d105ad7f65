import { isIP } from "node:net";

/**
 * Whether a listen address only accepts connections from this machine.
 *
 * @param host an interface address or `localhost`
 * @returns true for `localhost`, `::1` and 127.0.0.0/8
 */
export function isLoopback(host: string): boolean {
  if (host === "localhost" || host === "::1") return true;
  return isIP(host) === 4 && host.startsWith("127.");
}
