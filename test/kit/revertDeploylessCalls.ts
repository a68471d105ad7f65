import { createPublicClient, custom, type PublicClient, RpcRequestError } from "viem";

/**
 * A client in front of `client` whose node answers every deployless `eth_call` (one without `to`:
 * a deployless multicall) with "execution reverted", as a node does when a call breaks one of its
 * own limits; every other request goes through. For tests that a call failing as a whole is never
 * taken for the vault's answer.
 *
 * @param client the real client
 * @returns the failing client (same chain)
 */
export function revertDeploylessCalls(client: PublicClient): PublicClient {
  return createPublicClient({
    chain: client.chain,
    transport: custom({
      request: async ({ method, params }: { method: string; params?: unknown }) => {
        const [call] = Array.isArray(params) ? params : [];
        const deployless = typeof call === "object" && call !== null && !("to" in call && call.to);
        if (method === "eth_call" && deployless) {
          throw new RpcRequestError({
            body: { method, params },
            error: { code: 3, message: "execution reverted" },
            url: "revertDeploylessCalls",
          });
        }
        return client.request({ method, params } as Parameters<PublicClient["request"]>[0]);
      },
    }),
  }) as PublicClient;
}
