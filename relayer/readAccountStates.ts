import { type Address, ContractFunctionExecutionError, type PublicClient } from "viem";
import { collateralVaultAbi } from "../shared/abis/generated.js";

/** One (account, token) key of a vault. */
export type AccountStateKey = { account: Address; token: Address };

/** A vault's `accountState` of one key at one block. */
export type AccountState = { balance: bigint; pending: bigint; seq: bigint; inboundNonce: bigint };

/**
 * What {@link readAccountStates} read for one key: its state, or why that read failed. `scope`
 * says whose fault a failure is: `key` when the vault answered this key with a revert or with
 * nothing (no code at that block), `call` when the `eth_call` carrying it failed as a whole (the
 * RPC down, a timeout, a node limit): the latter says nothing about the key.
 */
export type AccountStateRead =
  | { status: "success"; state: AccountState }
  | { status: "failure"; scope: "key" | "call"; error: Error };

/** Parameters of {@link readAccountStates}. */
export type ReadAccountStatesParameters = {
  client: PublicClient;
  /** The vault whose `accountState` is read. */
  vault: Address;
  keys: readonly AccountStateKey[];
  /** The block the states are read at. */
  blockNumber: bigint;
};

/**
 * Keys per `eth_call`. A deployless call runs Multicall3 inside a constructor, which hits two
 * EIP-170/3860 limits: the creation code (Multicall3's ~5,600 bytes plus the calldata, 256 bytes a
 * key) stays under 49,152 bytes, and the answer (returned as the constructor's "code", 256 bytes a
 * key) under 24,576 bytes. 64 keys take about 22 KB and 16 KB, and well under 1M gas (one
 * `accountState` reads two cold slots), far below any node's `eth_call` gas cap.
 */
export const ACCOUNT_STATES_PER_CALL = 64;

/**
 * Reads the vault's `accountState` of many keys at one block in a few `eth_call`s: a deployless
 * Multicall3 (viem's `multicall` with `deployless: true`: the call carries Multicall3's creation
 * code, so no chain needs Multicall3 deployed, and a historical block works like `latest`), at
 * most {@link ACCOUNT_STATES_PER_CALL} keys per call, the calls in parallel (and JSON-RPC batched
 * by the client). Reading each key with its own `eth_call` cost the node one EVM run per key: at
 * 200 keys per batch and three attesters, that was most of a batch's attest time.
 *
 * A key's read fails on its own (a revert, or no vault code at that block: empty return data); a
 * failed call (the RPC down) fails every key it carried, with `scope: "call"`.
 *
 * @param parameters client, vault, keys, block
 * @returns one read per key, in the keys' order
 * @example
 * const reads = await readAccountStates({ client, vault, keys: [{ account, token }], blockNumber });
 * if (reads[0]?.status === "success") console.log(reads[0].state.seq);
 */
export async function readAccountStates(
  parameters: ReadAccountStatesParameters,
): Promise<AccountStateRead[]> {
  const { client, vault, keys, blockNumber } = parameters;
  const chunks: AccountStateKey[][] = [];
  for (let start = 0; start < keys.length; start += ACCOUNT_STATES_PER_CALL) {
    chunks.push(keys.slice(start, start + ACCOUNT_STATES_PER_CALL));
  }
  const reads = await Promise.all(
    chunks.map(async (chunk) => {
      const results = await client.multicall({
        contracts: chunk.map((key) => ({
          address: vault,
          abi: collateralVaultAbi,
          functionName: "accountState" as const,
          args: [key.account, key.token] as const,
        })),
        blockNumber,
        deployless: true,
        allowFailure: true,
        batchSize: 0, // chunked above
      });
      return results.map((result): AccountStateRead => {
        if (result.status === "failure") {
          // viem reports a failed aggregate3 call as a failure of every key in it, with the error
          // of the call (its function is aggregate3); a key's own failure names accountState.
          const own =
            result.error instanceof ContractFunctionExecutionError &&
            result.error.functionName === "accountState";
          return { status: "failure", scope: own ? "key" : "call", error: result.error };
        }
        const [balance, pending, seq, inboundNonce] = result.result;
        return {
          status: "success",
          state: { balance, pending, seq: BigInt(seq), inboundNonce: BigInt(inboundNonce) },
        };
      });
    }),
  );
  return reads.flat();
}
