import type { Address, Hex, TransactionReceipt } from "viem";
import { collateralVaultAbi, marginHubAbi } from "../../shared/abis/generated.js";
import type { BalanceLeaf } from "../../shared/merkle/balanceLeaf.js";
import { fullBatchProof } from "../../shared/merkle/fullBatchProof.js";
import { attestBalanceBatch } from "./attestBalanceBatch.js";
import type { ChainClients } from "./chainClients.js";
import { writeAndWait } from "./writeAndWait.js";

/** Parameters of {@link creditHub}. */
export type CreditHubParameters = {
  /** The vault chain whose balances are credited. */
  vaultChain: ChainClients;
  /** The hub chain (the hub's address is in its config entry). */
  hubChain: ChainClients;
  /** The (account, token) pairs to put in the batch. */
  entries: readonly { account: Address; token: Address }[];
  /** Attester keys that sign (at least the threshold). */
  attesterKeys: readonly Hex[];
  /** Submits the batch. */
  relayerKey: Hex;
  /** Index of this batch among those of its source block (default 0). */
  index?: number;
};

/**
 * Acts as the relayer: reads each (account, token) state from the vault at its latest block,
 * builds and signs a BALANCE_BATCH with `shared/` (through `attestBalanceBatch`) and submits it
 * to the hub with every leaf.
 *
 * @param parameters chains, entries, signers
 * @returns the batch's guid and the hub receipt
 */
export async function creditHub(
  parameters: CreditHubParameters,
): Promise<{ guid: Hex; receipt: TransactionReceipt }> {
  const { vaultChain, hubChain } = parameters;
  const vault = vaultChain.chain.contracts.vault;
  const hub = hubChain.chain.contracts.hub;
  if (hub === undefined) throw new Error("creditHub: hubChain has no MarginHub");
  const block = await vaultChain.publicClient.getBlock();
  const leaves: BalanceLeaf[] = [];
  for (const { account, token } of parameters.entries) {
    const [balance, , seq, inboundNonce] = await vaultChain.publicClient.readContract({
      address: vault,
      abi: collateralVaultAbi,
      functionName: "accountState",
      args: [account, token],
      blockNumber: block.number,
    });
    leaves.push({
      chainId: BigInt(vaultChain.chain.chainId),
      vault,
      account,
      token,
      balance,
      seq,
      inboundNonce,
      sourceBlock: block.number,
    });
  }
  const batch = await attestBalanceBatch({
    hub,
    hubChainId: hubChain.chain.chainId,
    srcEid: vaultChain.chain.chainId,
    vault,
    leaves,
    sourceBlock: block.number,
    sourceTimestamp: block.timestamp,
    index: parameters.index ?? 0,
    signerKeys: parameters.attesterKeys,
  });
  const proof = fullBatchProof(batch.tree);
  const receipt = await writeAndWait(
    { publicClient: hubChain.publicClient, walletClient: hubChain.walletFor(parameters.relayerKey) },
    {
      address: hub,
      abi: marginHubAbi,
      functionName: "submitBatch",
      args: [batch.packet, batch.signatures, proof.leaves, proof.proof, proof.proofFlags],
    },
  );
  return { guid: batch.guid, receipt };
}
