import { type Hex, maxUint256 } from "viem";
import { mockErc20Abi } from "../../shared/abis/generated.js";
import { type ChainClients, tokenAddress } from "./chainClients.js";
import { writeAndWait } from "./writeAndWait.js";

/**
 * Lets the chain's vault pull any amount of each token from each payer (so `depositFor` needs
 * no approval of its own).
 *
 * @param chain the vault chain's clients
 * @param parameters the payers' keys and the token symbols
 */
export async function approveVault(
  chain: ChainClients,
  parameters: { payers: readonly Hex[]; symbols: readonly string[] },
): Promise<void> {
  for (const key of parameters.payers) {
    for (const symbol of parameters.symbols) {
      await writeAndWait(
        { publicClient: chain.publicClient, walletClient: chain.walletFor(key) },
        {
          address: tokenAddress(chain, symbol),
          abi: mockErc20Abi,
          functionName: "approve",
          args: [chain.chain.contracts.vault, maxUint256],
        },
      );
    }
  }
}
