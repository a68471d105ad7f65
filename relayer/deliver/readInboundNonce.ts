import type { PublicClient } from "viem";
import { collateralVaultAbi, marginHubAbi } from "../../shared/abis/generated.js";
import type { ParsedClaim } from "./parseClaim.js";

/** Parameters of {@link readInboundNonce}. */
export type ReadInboundNonceParameters = {
  /** A public client of the claim's destination chain. */
  client: PublicClient;
  /** The claim, checked by `parseClaim`. */
  parsed: ParsedClaim;
};

/**
 * The last nonce the destination applied on the claim's ordered path: `hub.inboundNonce(srcEid)`
 * for a withdrawal request, `vault.inboundNonce()` for a hub command.
 *
 * @param parameters client and parsed claim
 * @returns the destination's inbound nonce, or `undefined` for a balance batch (not ordered)
 */
export async function readInboundNonce(parameters: ReadInboundNonceParameters): Promise<bigint | undefined> {
  const { client, parsed } = parameters;
  if (parsed.orderedNonce === undefined) return undefined;
  if (parsed.target.kind === "hub") {
    return client.readContract({
      address: parsed.target.address,
      abi: marginHubAbi,
      functionName: "inboundNonce",
      args: [parsed.header.srcEid],
    });
  }
  return client.readContract({
    address: parsed.target.address,
    abi: collateralVaultAbi,
    functionName: "inboundNonce",
  });
}
