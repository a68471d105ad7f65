import type { Address, Hex } from "viem";
import { collateralVaultAbi, marginHubAbi } from "../../shared/abis/generated.js";
import type { Config } from "../../shared/config/schema.js";
import { balanceBatchProof } from "../../shared/merkle/balanceBatchProof.js";
import type { BalanceLeaf } from "../../shared/merkle/balanceLeaf.js";
import { leafFromJson } from "../leafJson.js";
import type { Claim, LeafJson } from "../types.js";
import { InvalidClaimError } from "./errors.js";
import { parseAddress, parseClaim, parseDecimal, parseSignatures } from "./parseClaim.js";

/** Parameters of {@link buildDeliveryCall}. */
export type BuildDeliveryCallParameters = {
  config: Config;
  claim: Claim;
  /** The quorum's 65-byte signatures, sorted by signer and concatenated. */
  signatures: Hex;
};

/** `MarginHub.submitBatch(packet, signatures, leaves, proof, proofFlags)`. */
export type SubmitBatchCall = {
  address: Address;
  abi: typeof marginHubAbi;
  functionName: "submitBatch";
  args: readonly [Hex, Hex, readonly BalanceLeaf[], readonly Hex[], readonly boolean[]];
};

/** `MarginHub.receiveWithdrawalRequest(packet, signatures)`. */
export type ReceiveWithdrawalRequestCall = {
  address: Address;
  abi: typeof marginHubAbi;
  functionName: "receiveWithdrawalRequest";
  args: readonly [Hex, Hex];
};

/** `CollateralVault.receiveCommand(packet, signatures)`. */
export type ReceiveCommandCall = {
  address: Address;
  abi: typeof collateralVaultAbi;
  functionName: "receiveCommand";
  args: readonly [Hex, Hex];
};

/** The contract call that delivers a claim (viem `simulateContract` / `writeContract` parameters). */
export type BuildDeliveryCallReturnType = SubmitBatchCall | ReceiveWithdrawalRequestCall | ReceiveCommandCall;

/**
 * The contract call that delivers an attested claim on its destination:
 * - balance batch → `hub.submitBatch(packet, signatures, leaves, proof, proofFlags)`, every
 *   leaf given, in multiproof order (`shared/merkle/balanceBatchProof`);
 * - withdrawal request → `hub.receiveWithdrawalRequest(packet, signatures)`;
 * - hub command (approve, reject, seize) → `vault.receiveCommand(packet, signatures)` on the
 *   destination chain's vault.
 *
 * @param parameters config, claim, signatures
 * @returns address, ABI, function name and arguments
 * @throws {InvalidClaimError} when the claim, a leaf or the signatures are malformed
 * @example
 * const call = buildDeliveryCall({ config, claim, signatures });
 * const { request } = await publicClient.simulateContract({ ...call, account });
 */
export function buildDeliveryCall(parameters: BuildDeliveryCallParameters): BuildDeliveryCallReturnType {
  const { claim } = parameters;
  const parsed = parseClaim(parameters.config, claim);
  const signatures = parseSignatures(parameters.signatures);
  const address = parsed.target.address;
  if (claim.kind === "balance_batch") {
    if (!Array.isArray(claim.leaves) || claim.leaves.length === 0) {
      throw new InvalidClaimError("claim.leaves", "expected a non-empty list of leaves");
    }
    const proof = balanceBatchProof(claim.leaves.map((leaf, i) => parseLeaf(leaf, i)));
    return {
      address,
      abi: marginHubAbi,
      functionName: "submitBatch",
      args: [claim.packet, signatures, proof.leaves, proof.proof, proof.proofFlags],
    };
  }
  if (parsed.target.kind === "hub") {
    return {
      address,
      abi: marginHubAbi,
      functionName: "receiveWithdrawalRequest",
      args: [claim.packet, signatures],
    };
  }
  return {
    address,
    abi: collateralVaultAbi,
    functionName: "receiveCommand",
    args: [claim.packet, signatures],
  };
}

/** `leafFromJson`, after checking every field so that a bad leaf names itself. */
function parseLeaf(json: LeafJson, index: number): BalanceLeaf {
  if (typeof json !== "object" || json === null) {
    throw new InvalidClaimError(`claim.leaves.${index}`, "expected a leaf object");
  }
  const at = (field: string) => `claim.leaves.${index}.${field}`;
  for (const field of ["chainId", "balance", "seq", "inboundNonce", "sourceBlock"] as const) {
    parseDecimal(at(field), json[field]);
  }
  for (const field of ["vault", "account", "token"] as const) parseAddress(at(field), json[field]);
  return leafFromJson(json);
}
