import type { Address, Hex } from "viem";
import type { Claim } from "../types.js";

/**
 * One attester as the relayer sees it: an address in the quorum and a way to get its signature
 * over a claim's packet. In-process ({@link createLocalAttester}) it re-reads the chain and signs;
 * remote ({@link createRemoteAttester}) it asks a `crossmargin attester` server.
 */
export type Attester = {
  /** The attester's address (a member of `config.attesters.addresses`). */
  address: Address;
  /**
   * Verifies the claim against the chain and signs its packet for the destination's domain.
   *
   * @param claim what to sign
   * @returns the 65-byte `r ‖ s ‖ v` EIP-712 signature (low s, v 27/28)
   * @throws {AttestationRefusedError} (non-retryable) when the claim does not match the chain
   * @throws {AttestationNotFinalError} / {RpcUnavailableError} / {AttesterUnavailableError} (retryable)
   */
  attest(claim: Claim): Promise<Hex>;
};

/** Body of a `200` answer of `POST /v1/attest`. */
export type AttestResponse = {
  /** The attester's address. */
  signer: Address;
  /** Its 65-byte signature over the claim's packet. */
  signature: Hex;
};

/** Body of every error answer of the attester server (400, 404, 422, 500, 503). */
export type AttestErrorResponse = {
  error: {
    /** The error's class name, e.g. `AttestationRefusedError`, `AttestationNotFinalError`, `InvalidClaimError`. */
    name: string;
    /** What went wrong, with the values. */
    message: string;
    /** On 422: the check that failed (`sender`, `root`, `leaves[3].balance`, …). */
    check?: string | undefined;
    /** On 400: every field of the body that is wrong, with what was expected. */
    issues?: { path: string; message: string }[] | undefined;
  };
};
