import { createServer } from "node:net";
import { PortInUseError } from "./errors.js";

/** Parameters of {@link assertPortFree}. */
export type AssertPortFreeParameters = {
  /** The port to check on 127.0.0.1. */
  port: number;
  /** The chain that will listen there (named in the error). */
  chainId: number;
};

/**
 * Checks that nothing listens on `127.0.0.1:port` by briefly listening on it ourselves.
 *
 * @param params the port and the chain it is for
 * @throws PortInUseError when the port is taken
 * @example
 * await assertPortFree({ port: 8545, chainId: 31337 });
 */
export async function assertPortFree(params: AssertPortFreeParameters): Promise<void> {
  const free = await new Promise<boolean>((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") resolve(false);
      else reject(error);
    });
    server.listen({ port: params.port, host: "127.0.0.1", exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
  if (!free) throw new PortInUseError(params.port, params.chainId);
}
