import { collateralVaultAbi, marginHubAbi } from "../../shared/abis/generated.js";
import { hubChain } from "../../shared/config/hubChain.js";
import type { Config } from "../../shared/config/schema.js";
import { vaultChains } from "../../shared/config/vaultChains.js";
import { chainClients } from "../../test/kit/chainClients.js";

/** One ordered path: how many packets its source sent and how many its destination applied. */
export type OrderedPath = { route: string; sent: bigint; applied: bigint };

/**
 * Reads every ordered path of the devnet from the contracts: hub → vault (commands: the hub's
 * `outboundNonce(vault)` against the vault's `inboundNonce()`) and vault → hub (withdrawal
 * requests: the vault's `outboundNonce()` against the hub's `inboundNonce(vault)`).
 *
 * @param config the devnet config
 * @returns one entry per path, `route` as `<src>-><dst>`
 */
export async function readOrderedPaths(config: Config): Promise<OrderedPath[]> {
  const hubConfig = hubChain(config);
  const hub = chainClients(hubConfig).publicClient;
  const hubAddress = hubConfig.contracts.hub;
  if (hubAddress === undefined) throw new Error(`chain ${hubConfig.chainId} has no hub`);
  const paths: OrderedPath[] = [];
  for (const chain of vaultChains(config, { includeHub: false })) {
    const vault = chainClients(chain).publicClient;
    const eid = chain.chainId;
    const [hubSent, vaultApplied, vaultSent, hubApplied] = await Promise.all([
      hub.readContract({
        address: hubAddress,
        abi: marginHubAbi,
        functionName: "outboundNonce",
        args: [eid],
      }),
      vault.readContract({
        address: chain.contracts.vault,
        abi: collateralVaultAbi,
        functionName: "inboundNonce",
      }),
      vault.readContract({
        address: chain.contracts.vault,
        abi: collateralVaultAbi,
        functionName: "outboundNonce",
      }),
      hub.readContract({ address: hubAddress, abi: marginHubAbi, functionName: "inboundNonce", args: [eid] }),
    ]);
    paths.push({ route: `${hubConfig.chainId}->${eid}`, sent: hubSent, applied: vaultApplied });
    paths.push({ route: `${eid}->${hubConfig.chainId}`, sent: vaultSent, applied: hubApplied });
  }
  return paths;
}
