import { type Address, getAddress, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  marginHubAbi,
  marginHubBytecode,
  marginHubExtensionAbi,
  marginHubExtensionBytecode,
} from "../../shared/abis/generated.js";
import type { StartAnvilReturnType } from "./anvil.js";
import { deploy } from "./deploy.js";

/** One attester of a deployed hub. */
export type HubAttester = { address: Address; key: Hex };

/** Parameters of {@link deployHub}. */
export type DeployHubParameters = {
  /** Private keys of the attester set (any order; the hub gets them sorted by address). */
  attesterKeys: readonly Hex[];
  /** Signatures needed. */
  threshold: number;
  /** Seconds a batch attestation stays valid (default one hour). */
  maxAttestationAge?: bigint;
};

/** Return type of {@link deployHub}. */
export type DeployHubReturnType = {
  address: Address;
  /** The attesters, ascending by address (the order signatures must follow). */
  attesters: readonly HubAttester[];
};

/**
 * Deploys a `MarginHubExtension` and a `MarginHub` that runs it, owned (and guarded) by the
 * wallet client's account.
 *
 * @param anvil the chain (its wallet client deploys and owns the hub)
 * @param parameters attester keys, threshold, max attestation age
 * @returns the hub's address and its attesters, sorted
 * @example
 * const hub = await deployHub(anvil, { attesterKeys: ANVIL_KEYS.slice(1, 4), threshold: 2 });
 */
export async function deployHub(
  anvil: Pick<StartAnvilReturnType, "publicClient" | "walletClient">,
  parameters: DeployHubParameters,
): Promise<DeployHubReturnType> {
  const attesters = parameters.attesterKeys
    .map((key) => ({ address: getAddress(privateKeyToAccount(key).address), key }))
    .sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  const owner = anvil.walletClient.account.address;
  const extension = await deploy(anvil, { abi: marginHubExtensionAbi, bytecode: marginHubExtensionBytecode });
  const { address } = await deploy(anvil, {
    abi: marginHubAbi,
    bytecode: marginHubBytecode,
    args: [
      owner,
      attesters.map((a) => a.address),
      parameters.threshold,
      owner,
      parameters.maxAttestationAge ?? 3_600n,
      extension.address,
    ],
  });
  return { address, attesters };
}
