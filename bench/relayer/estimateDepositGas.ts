import { type Address, keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { collateralVaultAbi } from "../../shared/abis/generated.js";
import { deriveAccount } from "../../test/kit/deriveAccount.js";
import { type BenchChain, FUNDER_KEY } from "./startBenchNet.js";

/**
 * A gas limit for the funder's `depositFor` transactions: the estimate for an account never seen
 * (the dearest case: fresh storage slots) with 50 % headroom.
 *
 * @param chain the vault chain
 * @param token the token deposited
 * @param amount the amount deposited
 * @returns the gas limit
 */
export async function estimateDepositGas(chain: BenchChain, token: Address, amount: bigint): Promise<bigint> {
  const fresh = deriveAccount(keccak256(toHex("crossmargin/bench/relayer/gas")), 0n);
  const estimate = await chain.client.estimateContractGas({
    address: chain.config.contracts.vault,
    abi: collateralVaultAbi,
    functionName: "depositFor",
    args: [fresh, token, amount],
    account: privateKeyToAccount(FUNDER_KEY),
  });
  return (estimate * 3n) / 2n;
}
