import { type Address, getAddress, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { batchNonce } from "../../shared/codec/batchNonce.js";
import { encodeBalanceBatch } from "../../shared/codec/encodeMessage.js";
import { encodePacket } from "../../shared/codec/encodePacket.js";
import { attestationDomain } from "../../shared/eip712/attestationDomain.js";
import { signAttestation } from "../../shared/eip712/signAttestation.js";
import { sortSignatures } from "../../shared/eip712/sortSignatures.js";
import type { BalanceLeaf } from "../../shared/merkle/balanceLeaf.js";
import { type BalanceTree, buildBalanceTree } from "../../shared/merkle/buildBalanceTree.js";

/** Parameters of {@link attestBalanceBatch}. */
export type AttestBalanceBatchParameters = {
  /** The hub (receiver and EIP-712 verifying contract). */
  hub: Address;
  /** The hub's chain (dstEid and EIP-712 chain id). */
  hubChainId: number;
  /** The vault's chain (srcEid). */
  srcEid: number;
  /** The vault registered for `srcEid` (sender). */
  vault: Address;
  /** The batch's leaves (at least one). */
  leaves: readonly BalanceLeaf[];
  /** Vault-chain block the balances were read at. */
  sourceBlock: bigint;
  /** Its timestamp (the hub checks it against `maxAttestationAge`). */
  sourceTimestamp: bigint;
  /** The batch's index among those of `sourceBlock` (makes nonce and guid unique). */
  index: number;
  /** Private keys of the attesters that sign (any order). */
  signerKeys: readonly Hex[];
};

/** Return type of {@link attestBalanceBatch}. */
export type AttestBalanceBatchReturnType = {
  tree: BalanceTree;
  /** The BALANCE_BATCH packet. */
  packet: Hex;
  guid: Hex;
  /** The signers' attestations, sorted by signer address and concatenated. */
  signatures: Hex;
};

/**
 * Builds a BALANCE_BATCH exactly as the relayer does, with `shared/` only: the
 * `StandardMerkleTree` of the leaves, the packet with a batch nonce, and the sorted EIP-712
 * attestations of `signerKeys`.
 *
 * @param parameters route, leaves, source block and signers
 * @returns the tree, packet, guid and signatures, ready for `submitBatch` / `submitRoot`
 */
export async function attestBalanceBatch(
  parameters: AttestBalanceBatchParameters,
): Promise<AttestBalanceBatchReturnType> {
  const tree = buildBalanceTree(parameters.leaves);
  const { packet, guid } = encodePacket({
    nonce: batchNonce(parameters.sourceBlock, parameters.index),
    srcEid: parameters.srcEid,
    sender: parameters.vault,
    dstEid: parameters.hubChainId,
    receiver: parameters.hub,
    message: encodeBalanceBatch({
      // StandardMerkleTree roots are 0x-prefixed 32-byte hex.
      root: tree.root as Hex,
      leafCount: tree.length,
      sourceBlock: parameters.sourceBlock,
      sourceTimestamp: parameters.sourceTimestamp,
    }),
  });
  const domain = attestationDomain({ chainId: parameters.hubChainId, verifyingContract: parameters.hub });
  const signed = await Promise.all(
    parameters.signerKeys.map(async (key) => ({
      signer: getAddress(privateKeyToAccount(key).address),
      signature: await signAttestation(key, domain, packet),
    })),
  );
  return { tree, packet, guid, signatures: sortSignatures(signed) };
}
