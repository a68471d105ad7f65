import type { Address } from "viem";
import { collateralVaultAbi, marginHubAbi } from "../../shared/abis/generated.js";
import type { ChainClients } from "./chainClients.js";

/** One (account, chain, token) as the vault and the hub see it. */
export type KeyState = {
  /** `CollateralVault.accountState` on the collateral's chain. */
  vault: { balance: bigint; pending: bigint; seq: bigint; inboundNonce: bigint };
  /** `MarginHub.creditedBalance`. */
  credit: { balance: bigint; seq: bigint };
  /** `MarginHub.outstanding`: seizes ordered and not yet acknowledged by a leaf. */
  outstanding: { amount: bigint; lastCommandNonce: bigint };
};

/** Parameters of {@link readKeyState}. */
export type ReadKeyStateParameters = {
  /** The hub chain (its config names the MarginHub). */
  hub: ChainClients;
  /** The collateral's chain (a vault chain, or the hub chain's own vault). */
  chain: ChainClients;
  account: Address;
  token: Address;
};

/**
 * Reads the on-chain truth of one (account, chain, token): the vault's state and the hub's credit
 * and outstanding seizes, all at each chain's latest block.
 *
 * @param parameters hub, chain, account, token
 * @returns vault state, hub credit and outstanding
 */
export async function readKeyState(parameters: ReadKeyStateParameters): Promise<KeyState> {
  const { hub, chain, account, token } = parameters;
  const hubAddress = hub.chain.contracts.hub;
  if (hubAddress === undefined) throw new Error("readKeyState: the hub chain has no MarginHub");
  const chainId = BigInt(chain.chain.chainId);
  const [state, credit, outstanding] = await Promise.all([
    chain.publicClient.readContract({
      address: chain.chain.contracts.vault,
      abi: collateralVaultAbi,
      functionName: "accountState",
      args: [account, token],
    }),
    hub.publicClient.readContract({
      address: hubAddress,
      abi: marginHubAbi,
      functionName: "creditedBalance",
      args: [account, chainId, token],
    }),
    hub.publicClient.readContract({
      address: hubAddress,
      abi: marginHubAbi,
      functionName: "outstanding",
      args: [account, chainId, token],
    }),
  ]);
  const [balance, pending, seq, inboundNonce] = state;
  return {
    vault: { balance, pending, seq: BigInt(seq), inboundNonce: BigInt(inboundNonce) },
    credit: { balance: credit[0], seq: BigInt(credit[1]) },
    outstanding: { amount: outstanding[0], lastCommandNonce: BigInt(outstanding[1]) },
  };
}

/**
 * Whether the hub credits exactly what the vault holds free, at the vault's seq, with no seize
 * outstanding: the state the relayer converges to once nothing is in flight.
 *
 * @param state a {@link readKeyState} answer
 * @returns true when hub and vault agree
 */
export function isSynced(state: KeyState): boolean {
  return (
    state.vault.seq > 0n &&
    state.credit.seq === state.vault.seq &&
    state.credit.balance === state.vault.balance &&
    state.vault.pending === 0n &&
    state.outstanding.amount === 0n &&
    state.outstanding.lastCommandNonce === 0n
  );
}
