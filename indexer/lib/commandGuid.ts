import type { Address, Hex } from "viem";
import { computeGuid } from "../../shared/codec/computeGuid.js";
import { lowerHex } from "./indexerConfig.js";

/** Parameters of {@link commandGuid}. */
export type CommandGuidParameters = {
  /** The hub chain (srcEid of every command). */
  hubChainId: number;
  /** The MarginHub (sender). */
  hub: Address;
  /** The vault's chain (dstEid). */
  chainId: number;
  /** The vault (receiver). */
  vault: Address;
  /** The command's nonce on the hub → vault path (the vault events' `commandNonce`). */
  nonce: bigint;
};

/**
 * The guid of the hub command a vault applied, from the `commandNonce` its `WithdrawalReleased`,
 * `WithdrawalRejected` and `Seized` events carry (the path is fixed: hub → that vault).
 *
 * @param parameters path and nonce
 * @returns the command packet's guid (lowercase)
 */
export function commandGuid(parameters: CommandGuidParameters): Hex {
  return lowerHex(
    computeGuid({
      nonce: parameters.nonce,
      srcEid: parameters.hubChainId,
      sender: parameters.hub,
      dstEid: parameters.chainId,
      receiver: parameters.vault,
    }),
  );
}
