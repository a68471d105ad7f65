import { decodeFunctionData, type Hex } from "viem";
import { collateralVaultAbi, marginHubAbi } from "../../shared/abis/generated.js";
import type { ChainClients } from "./chainClients.js";
import type { RelayedCall } from "./submitRejected.js";

/**
 * Decodes the call data of a delivery transaction (found through an event it emitted), so a test
 * can send the very same packet and signatures again.
 *
 * @param chain the chain the transaction was mined on
 * @param txHash the transaction
 * @returns the relayed entry point it called, with its arguments
 * @throws {Error} when the transaction called something other than a relayed entry point
 */
export async function findDeliveredCall(chain: ChainClients, txHash: Hex): Promise<RelayedCall> {
  const { input, to } = await chain.publicClient.getTransaction({ hash: txHash });
  const hub = chain.chain.contracts.hub;
  if (hub !== undefined && to?.toLowerCase() === hub.toLowerCase()) {
    const decoded = decodeFunctionData({ abi: marginHubAbi, data: input });
    if (decoded.functionName === "submitBatch") return { functionName: "submitBatch", args: decoded.args };
    if (decoded.functionName === "receiveWithdrawalRequest") {
      return { functionName: "receiveWithdrawalRequest", args: decoded.args };
    }
    throw new Error(
      `transaction ${txHash} called MarginHub.${decoded.functionName}, not a relayed entry point`,
    );
  }
  const decoded = decodeFunctionData({ abi: collateralVaultAbi, data: input });
  if (decoded.functionName === "receiveCommand")
    return { functionName: "receiveCommand", args: decoded.args };
  throw new Error(`transaction ${txHash} called ${decoded.functionName}, not a relayed entry point`);
}
