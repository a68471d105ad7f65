import type { Address, Hex } from "viem";
import { SumProofFormatError } from "./errors.js";
import { SOLVENCY_TREE_VERSION } from "./sumTreeHash.js";
import type { SumProof, SumProofSibling } from "./sumTreeProof.js";

/** A proof as JSON: bigints as decimal strings (what `GET /solvency/:address` answers, among other fields). */
export type SumProofJson = {
  version: typeof SOLVENCY_TREE_VERSION;
  account: string;
  salt: string;
  value: string;
  index: number;
  leafCount: number;
  siblings: { side: string; hash: string; sum: string }[];
  /** The root hash and the total (the root's sum). */
  root: string;
  total: string;
};

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const DECIMAL = /^(0|[1-9][0-9]*)$/;

/**
 * A proof in its JSON form (bigints as decimal strings).
 *
 * @param proof the proof
 * @returns the JSON-ready object
 */
export function sumProofToJson(proof: SumProof): SumProofJson {
  return {
    version: proof.version,
    account: proof.account,
    salt: proof.salt,
    value: proof.value.toString(),
    index: proof.index,
    leafCount: proof.leafCount,
    siblings: proof.siblings.map((s) => ({ side: s.side, hash: s.hash, sum: s.sum.toString() })),
    root: proof.root.hash,
    total: proof.root.sum.toString(),
  };
}

/**
 * Reads a proof from parsed JSON (extra fields, such as the API's `block`, are ignored). Values
 * and sums must be decimal strings without sign (a `-` is refused here, before any hashing).
 *
 * @param json the parsed JSON
 * @returns the proof
 * @throws {SumProofFormatError} naming the first malformed field and what was expected
 */
export function parseSumProof(json: unknown): SumProof {
  const o = object(json, "");
  if (o.version !== SOLVENCY_TREE_VERSION)
    throw new SumProofFormatError("version", `expected "${SOLVENCY_TREE_VERSION}", got ${show(o.version)}`);
  const siblings = o.siblings;
  if (!Array.isArray(siblings))
    throw new SumProofFormatError("siblings", `expected an array, got ${show(siblings)}`);
  return {
    version: SOLVENCY_TREE_VERSION,
    account: text(o.account, "account", ADDRESS, "an address (0x + 40 hex digits)").toLowerCase() as Address, // matched just above
    salt: bytes32(o.salt, "salt"),
    value: decimal(o.value, "value"),
    index: integer(o.index, "index"),
    leafCount: integer(o.leafCount, "leafCount"),
    siblings: siblings.map((s, i): SumProofSibling => {
      const sibling = object(s, `siblings.${i}`);
      if (sibling.side !== "left" && sibling.side !== "right")
        throw new SumProofFormatError(
          `siblings.${i}.side`,
          `expected "left" or "right", got ${show(sibling.side)}`,
        );
      return {
        side: sibling.side,
        hash: bytes32(sibling.hash, `siblings.${i}.hash`),
        sum: decimal(sibling.sum, `siblings.${i}.sum`),
      };
    }),
    root: { hash: bytes32(o.root, "root"), sum: decimal(o.total, "total") },
  };
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new SumProofFormatError(field, `expected an object, got ${show(value)}`);
  return value as Record<string, unknown>; // checked just above
}

function text(value: unknown, field: string, pattern: RegExp, expected: string): string {
  if (typeof value !== "string" || !pattern.test(value))
    throw new SumProofFormatError(field, `expected ${expected}, got ${show(value)}`);
  return value;
}

function bytes32(value: unknown, field: string): Hex {
  return text(value, field, BYTES32, "32 bytes of hex (0x + 64 hex digits)").toLowerCase() as Hex; // matched 0x + hex
}

function decimal(value: unknown, field: string): bigint {
  return BigInt(text(value, field, DECIMAL, "a non-negative integer as a decimal string"));
}

function integer(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0)
    throw new SumProofFormatError(field, `expected a non-negative integer, got ${show(value)}`);
  return value;
}

function show(value: unknown): string {
  const s = value === undefined ? "nothing" : JSON.stringify(value);
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}
