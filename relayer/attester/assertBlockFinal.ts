import type { PublicClient } from "viem";
import { isFinal } from "../../shared/chains/finality.js";
import type { ChainConfig } from "../../shared/config/schema.js";
import { callRpc } from "./callRpc.js";
import { AttestationNotFinalError } from "./errors.js";

/** Parameters of {@link assertBlockFinal}. */
export type AssertBlockFinalParameters = {
  /** This attester's client of the chain. */
  client: PublicClient;
  /** The chain's config entry (its `finalityDepth`). */
  chain: ChainConfig;
  /** The claimed block. */
  blockNumber: bigint;
};

/**
 * Checks that a block is final on this attester's own RPC (`isFinal`: `block ≤ max(head − finalityDepth, 0)`).
 *
 * @param parameters client, chain and block
 * @returns the head it compared against
 * @throws {AttestationNotFinalError} (retryable) when the block is not final yet
 * @throws {RpcUnavailableError} when the RPC failed
 */
export async function assertBlockFinal(parameters: AssertBlockFinalParameters): Promise<bigint> {
  const { chain, blockNumber } = parameters;
  const head = await callRpc({ chainId: chain.chainId, what: "eth_blockNumber" }, () =>
    parameters.client.getBlockNumber({ cacheTime: 0 }),
  );
  if (!isFinal({ block: blockNumber, head, finalityDepth: chain.finalityDepth })) {
    throw new AttestationNotFinalError({
      chainId: chain.chainId,
      blockNumber,
      head,
      finalityDepth: chain.finalityDepth,
    });
  }
  return head;
}
