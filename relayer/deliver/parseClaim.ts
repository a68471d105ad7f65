import { type Address, getAddress, type Hex, isHex } from "viem";
import { MessageType } from "../../shared/codec/constants.js";
import { type DecodePacketReturnType, decodePacket } from "../../shared/codec/decodePacket.js";
import type { Config } from "../../shared/config/schema.js";
import type { Claim, SentPacketKind } from "../types.js";
import { InvalidClaimError } from "./errors.js";

/** Where a claim is delivered and how it is ordered. */
export type ParsedClaim = {
  claim: Claim;
  /** The decoded packet header (checked against the claim). */
  header: DecodePacketReturnType;
  /** The destination contract: the hub for batches and requests, the destination chain's vault for commands. */
  target: { kind: "hub" | "vault"; address: Address; chainId: number };
  /** The packet nonce when the path is ordered (requests and commands); `undefined` for batches. */
  orderedNonce: bigint | undefined;
};

/** The message type each claim kind must carry. */
const MESSAGE_TYPE_OF = {
  balance_batch: MessageType.BalanceBatch,
  withdrawal_request: MessageType.WithdrawalRequest,
  approve_withdrawal: MessageType.ApproveWithdrawal,
  reject_withdrawal: MessageType.RejectWithdrawal,
  seize: MessageType.Seize,
} as const satisfies Record<Claim["kind"] | SentPacketKind, number>;

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/**
 * Checks a claim against the config and its own packet, and finds its destination contract.
 * Bad job data fails here with the field named, before any RPC call.
 *
 * @param config the parsed config
 * @param claim the claim of a deliver job
 * @returns the decoded header, the destination contract and the ordered nonce
 * @throws {InvalidClaimError} naming the field that is wrong
 */
export function parseClaim(config: Config, claim: Claim): ParsedClaim {
  const kind: unknown = claim?.kind;
  if (typeof kind !== "string" || !(kind in MESSAGE_TYPE_OF)) {
    throw new InvalidClaimError(
      "claim.kind",
      `expected one of ${Object.keys(MESSAGE_TYPE_OF).join(", ")}, got ${JSON.stringify(kind)}`,
    );
  }
  const chain = config.chains[String(claim.dstChainId)];
  if (chain === undefined) {
    throw new InvalidClaimError(
      "claim.dstChainId",
      `expected a chain of the config, got ${JSON.stringify(claim.dstChainId)}`,
    );
  }
  const toHub = claim.kind === "balance_batch" || claim.kind === "withdrawal_request";
  const hub = chain.contracts.hub;
  if (toHub && hub === undefined) {
    throw new InvalidClaimError(
      "claim.dstChainId",
      `expected the hub chain for a ${claim.kind}, got chain ${chain.chainId}`,
    );
  }
  const target =
    hub !== undefined && toHub
      ? { kind: "hub" as const, address: getAddress(hub), chainId: chain.chainId }
      : { kind: "vault" as const, address: getAddress(chain.contracts.vault), chainId: chain.chainId };

  if (!isHex(claim.packet, { strict: true })) {
    throw new InvalidClaimError("claim.packet", "expected 0x-prefixed hex bytes");
  }
  let header: DecodePacketReturnType;
  try {
    header = decodePacket(claim.packet);
  } catch (error) {
    throw new InvalidClaimError("claim.packet", "expected a valid packet", error);
  }
  expectEqual("claim.dstChainId", header.dstEid, claim.dstChainId, "the packet's dstEid");
  expectEqual("claim.srcChainId", header.srcEid, claim.srcChainId, "the packet's srcEid");
  expectEqual("claim.guid", header.guid.toLowerCase(), String(claim.guid).toLowerCase(), "the packet's guid");
  const messageType = Number.parseInt(header.message.slice(2, 4), 16);
  if (messageType !== MESSAGE_TYPE_OF[claim.kind]) {
    throw new InvalidClaimError(
      "claim.kind",
      `a ${claim.kind} carries message type ${MESSAGE_TYPE_OF[claim.kind]}, but the packet's message has type ${messageType}`,
    );
  }
  if (claim.kind === "balance_batch") return { claim, header, target, orderedNonce: undefined };

  if (typeof claim.nonce !== "string" || !DECIMAL.test(claim.nonce)) {
    throw new InvalidClaimError(
      "claim.nonce",
      `expected a decimal string, got ${JSON.stringify(claim.nonce)}`,
    );
  }
  expectEqual("claim.nonce", header.nonce, BigInt(claim.nonce), "the packet's nonce");
  return { claim, header, target, orderedNonce: header.nonce };
}

/**
 * Parses a decimal string of job data.
 *
 * @param field path of the field, for the error
 * @param value the value
 * @returns the number
 * @throws {InvalidClaimError} when it is not a non-negative decimal integer string
 */
export function parseDecimal(field: string, value: unknown): bigint {
  if (typeof value !== "string" || !DECIMAL.test(value)) {
    throw new InvalidClaimError(
      field,
      `expected a non-negative decimal string, got ${JSON.stringify(value)}`,
    );
  }
  return BigInt(value);
}

/**
 * Parses an address of job data.
 *
 * @param field path of the field, for the error
 * @param value the value
 * @returns the checksummed address
 * @throws {InvalidClaimError} when it is not a 20-byte hex address
 */
export function parseAddress(field: string, value: unknown): Address {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
    throw new InvalidClaimError(
      field,
      `expected an address (0x + 40 hex digits), got ${JSON.stringify(value)}`,
    );
  }
  return getAddress(value);
}

/**
 * Checks the signatures of job data: whole 65-byte signatures, concatenated.
 *
 * @param signatures the value
 * @returns the same hex
 * @throws {InvalidClaimError} when it is not hex or not a multiple of 65 bytes
 */
export function parseSignatures(signatures: unknown): Hex {
  if (typeof signatures !== "string" || !isHex(signatures, { strict: true })) {
    throw new InvalidClaimError("signatures", "expected 0x-prefixed hex bytes");
  }
  const bytes = (signatures.length - 2) / 2;
  if (!Number.isInteger(bytes) || bytes % 65 !== 0) {
    throw new InvalidClaimError("signatures", `expected whole 65-byte signatures, got ${bytes} bytes`);
  }
  return signatures;
}

function expectEqual<T>(field: string, actual: T, claimed: T, what: string): void {
  if (actual !== claimed) {
    throw new InvalidClaimError(field, `expected ${what} (${String(actual)}), got ${String(claimed)}`);
  }
}
