import { randomBytes } from "node:crypto";
import {
  type Abi,
  type ContractFunctionArgs,
  type ContractFunctionName,
  encodeFunctionData,
  type Hex,
  toHex,
  zeroHash,
} from "viem";
import { DEVNET_TIMELOCK_DELAY } from "../../scripts/devnet/demoAssets.js";
import { crossmarginTimelockAbi } from "../../shared/abis/generated.js";
import type { ChainClients } from "./chainClients.js";
import { writeAndWait } from "./writeAndWait.js";

/**
 * An owner call on a devnet chain, whose contracts its `CrossmarginTimelock` owns: the deployer
 * (proposer and executor) schedules it, the chain's clock moves past the delay, the deployer executes it.
 *
 * @param chain the chain's clients (its config names the timelock)
 * @param deployerKey the devnet deployer's key
 * @param call the owner call
 */
export async function asTimelockOwner<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, "nonpayable" | "payable">,
  const args extends ContractFunctionArgs<abi, "nonpayable" | "payable", functionName>,
>(
  chain: ChainClients,
  deployerKey: Hex,
  call: { address: Hex; abi: abi; functionName: functionName; args: args },
): Promise<void> {
  const timelock = chain.chain.contracts.timelock;
  if (timelock === undefined)
    throw new Error(`asTimelockOwner: chain ${chain.chain.chainId} has no timelock`);
  // encodeFunctionData's parameter type is conditional on the ABI; our generic wrapper cannot satisfy it.
  const data = encodeFunctionData({
    abi: call.abi,
    functionName: call.functionName,
    args: call.args,
  } as never);
  // A fresh salt: the timelock refuses to schedule an operation id it already holds, so the same
  // call made twice (set, then set back) would revert with a zero salt.
  const operation = [call.address, 0n, data, zeroHash, toHex(randomBytes(32))] as const;
  const clients = { publicClient: chain.publicClient, walletClient: chain.walletFor(deployerKey) };
  await writeAndWait(clients, {
    address: timelock,
    abi: crossmarginTimelockAbi,
    functionName: "schedule",
    args: [...operation, BigInt(DEVNET_TIMELOCK_DELAY)],
  });
  await chain.testClient.increaseTime({ seconds: DEVNET_TIMELOCK_DELAY });
  await chain.testClient.mine({ blocks: 1 }); // `execute` is simulated against the latest block's time
  await writeAndWait(clients, {
    address: timelock,
    abi: crossmarginTimelockAbi,
    functionName: "execute",
    args: operation,
  });
}
