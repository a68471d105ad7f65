import { type Address, BaseError, decodeErrorResult, encodeFunctionData, type Hex } from "viem";
import { collateralVaultAbi, marginHubAbi } from "../../shared/abis/generated.js";
import type { ChainClients } from "./chainClients.js";

/** `IMarginHub.Leaf` as viem encodes it. */
export type LeafArg = {
  chainId: bigint;
  vault: Address;
  account: Address;
  token: Address;
  balance: bigint;
  seq: bigint;
  inboundNonce: bigint;
  sourceBlock: bigint;
};

/** A call to one of the relayed entry points, as anyone may send it. */
export type RelayedCall =
  | {
      functionName: "submitBatch";
      args: readonly [Hex, Hex, readonly LeafArg[], readonly Hex[], readonly boolean[]];
    }
  | { functionName: "receiveWithdrawalRequest"; args: readonly [Hex, Hex] }
  | { functionName: "receiveCommand"; args: readonly [Hex, Hex] };

/** Return type of {@link submitRejected}. */
export type SubmitRejectedReturnType = {
  /** The custom error the call reverts with (`undefined` when it does not revert). */
  errorName: string | undefined;
  /** Status of the transaction sent anyway (with a fixed gas limit, so it is mined). */
  status: "success" | "reverted";
};

/** Gas for the submissions sent without an estimate (an estimate of a reverting call fails). */
const GAS = 3_000_000n;
/** Every error a relayed entry point can revert with (the verifier's included). */
const ERRORS_ABI = [...marginHubAbi, ...collateralVaultAbi].filter((item) => item.type === "error");

/**
 * Sends a relayed call straight to its contract, outside the relayer: first as an `eth_call`
 * (to name the custom error it reverts with), then as a real transaction with a fixed gas limit,
 * mined, so the test sees what the chain does with it and not only what a simulation says.
 * `submitBatch` and `receiveWithdrawalRequest` go to the chain's MarginHub, `receiveCommand` to
 * its CollateralVault.
 *
 * @param chain the destination chain
 * @param key the sender's private key (not the running relayer's: their nonces would clash)
 * @param call function and arguments
 * @returns the revert's error name and the mined transaction's status
 */
export async function submitRejected(
  chain: ChainClients,
  key: Hex,
  call: RelayedCall,
): Promise<SubmitRejectedReturnType> {
  const wallet = chain.walletFor(key);
  const { to, data } = encodeCall(chain, call);
  let errorName: string | undefined;
  try {
    await chain.publicClient.call({ account: wallet.account, to, data });
  } catch (error) {
    errorName = revertName(error);
  }
  const hash = await wallet.sendTransaction({ to, data, gas: GAS });
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
  return { errorName, status: receipt.status };
}

function encodeCall(chain: ChainClients, call: RelayedCall): { to: Address; data: Hex } {
  if (call.functionName === "receiveCommand") {
    return {
      to: chain.chain.contracts.vault,
      data: encodeFunctionData({ abi: collateralVaultAbi, functionName: call.functionName, args: call.args }),
    };
  }
  const hub = chain.chain.contracts.hub;
  if (hub === undefined) throw new Error(`chain ${chain.chain.chainId} has no MarginHub`);
  const data =
    call.functionName === "submitBatch"
      ? encodeFunctionData({ abi: marginHubAbi, functionName: call.functionName, args: call.args })
      : encodeFunctionData({ abi: marginHubAbi, functionName: call.functionName, args: call.args });
  return { to: hub, data };
}

/** The custom error in an `eth_call` revert. */
function revertName(error: unknown): string {
  if (!(error instanceof BaseError)) throw error;
  // The node's revert data sits on the RPC error (or a RawContractError) somewhere in the chain.
  const carrier = error.walk((e) => revertData(e) !== undefined);
  const data = revertData(carrier);
  if (data === undefined) throw error;
  return decodeErrorResult({ abi: ERRORS_ABI, data }).errorName;
}

function revertData(error: unknown): Hex | undefined {
  if (typeof error !== "object" || error === null || !("data" in error)) return undefined;
  const { data } = error;
  if (typeof data === "string" && /^0x[0-9a-fA-F]{8}/.test(data)) return data as Hex; // checked just above
  if (typeof data === "object" && data !== null && "data" in data) return revertData(data);
  return undefined;
}
