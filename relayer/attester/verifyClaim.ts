import type { PublicClient } from "viem";
import { MessageType } from "../../shared/codec/constants.js";
import type { Config } from "../../shared/config/schema.js";
import { ConfigError } from "../../shared/errors/BaseError.js";
import type { Claim } from "../types.js";
import { AttestationRefusedError } from "./errors.js";
import { verifyBalanceBatch } from "./verifyBalanceBatch.js";
import { verifyPacketHeader } from "./verifyPacketHeader.js";
import { verifySentPacket } from "./verifySentPacket.js";

/** Parameters of {@link verifyClaim}. */
export type VerifyClaimParameters = {
  /** The parsed config (chains, their vaults, the hub, finality depths). */
  config: Config;
  /** This attester's own RPC clients, keyed by chain id (see `createPublicClients`). */
  clients: Map<number, PublicClient>;
  /** What the relayer asks to be signed. */
  claim: Claim;
};

/**
 * Checks a claim against the chain, from this attester's own RPC, before it signs: it trusts
 * neither the relayer nor the indexer.
 *
 * - every claim: the packet decodes (version 1, guid recomputed from the header and equal to the
 *   claim's), srcEid/dstEid are the claim's configured chains, sender and receiver are the
 *   contracts of the kind's route, the message type is the kind's;
 * - `balance_batch`: batch nonce ↔ source block, leaves (chain, vault, block, no duplicates),
 *   leaf count and Merkle root, source block final and its timestamp, and every leaf's
 *   `balance`/`seq`/`inboundNonce` equal to the vault's `accountState` at the source block;
 * - sent packets: packet nonce = claim nonce, source block final, and a `PacketSent` from the
 *   sender in that block carrying exactly the claim's packet bytes.
 *
 * @param parameters config, clients and claim
 * @throws {AttestationRefusedError} (non-retryable) naming the check that failed, with the values
 * @throws {AttestationNotFinalError} (retryable) when the claimed block is not final on this RPC
 * @throws {RpcUnavailableError} (retryable) when this attester's RPC failed
 * @throws {ConfigError} when `clients` has no client for the source chain
 * @example
 * await verifyClaim({ config, clients: createPublicClients(config), claim });
 * const signature = await signClaim({ privateKey, claim, config });
 */
export async function verifyClaim(parameters: VerifyClaimParameters): Promise<void> {
  const { config, claim } = parameters;
  const { header, message, route } = verifyPacketHeader(config, claim);
  const client = parameters.clients.get(route.src.chainId);
  if (client === undefined) {
    throw new ConfigError(`The attester has no RPC client for chain ${route.src.chainId}.`, [
      { path: `chains.${route.src.chainId}.rpcUrl`, message: "expected a client for every configured chain" },
    ]);
  }
  if (claim.kind === "balance_batch") {
    // verifyPacketHeader already refused any other type; this narrows the message's type.
    if (message.type !== MessageType.BalanceBatch) {
      throw new AttestationRefusedError({
        check: "message.type",
        reason: "expected a BALANCE_BATCH message",
      });
    }
    await verifyBalanceBatch({ client, chain: route.src, claim, nonce: header.nonce, message });
    return;
  }
  await verifySentPacket({ client, chain: route.src, sender: route.sender, claim, nonce: header.nonce });
}
