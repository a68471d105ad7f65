import { type Address, getAddress, type Hex, keccak256 } from "viem";

/** Leaf types of a balance batch tree, in `IMarginHub.Leaf` field order. */
export const balanceLeafTypes = [
  "uint64",
  "address",
  "address",
  "address",
  "uint256",
  "uint64",
  "uint64",
  "uint64",
] as const;

/** `IMarginHub.Leaf`: one account update inside a balance batch. */
export type BalanceLeaf = {
  /** The vault's chain (= srcEid of the batch packet). */
  chainId: bigint;
  /** The CollateralVault the balance is read from. */
  vault: Address;
  account: Address;
  token: Address;
  /** Free balance at `sourceBlock` (pending excluded). */
  balance: bigint;
  /** The (account, token) seq at `sourceBlock`. */
  seq: bigint;
  /** The (account, token) inboundNonce at `sourceBlock`. */
  inboundNonce: bigint;
  /** Vault-chain block the figures were read at. */
  sourceBlock: bigint;
};

/** A leaf as `StandardMerkleTree` stores it: a tuple with numbers as decimal strings (JSON-safe dumps). */
export type BalanceLeafValue = [string, string, string, string, string, string, string, string];

/**
 * A leaf as the tree's value tuple.
 *
 * @param leaf the leaf
 * @returns `[chainId, vault, account, token, balance, seq, inboundNonce, sourceBlock]`, numbers as decimal strings
 */
export function leafToValue(leaf: BalanceLeaf): BalanceLeafValue {
  return [
    leaf.chainId.toString(),
    leaf.vault,
    leaf.account,
    leaf.token,
    leaf.balance.toString(),
    leaf.seq.toString(),
    leaf.inboundNonce.toString(),
    leaf.sourceBlock.toString(),
  ];
}

/**
 * A tree's value tuple as a leaf (inverse of {@link leafToValue}).
 *
 * @param value the tuple (numbers as strings, numbers or bigints)
 * @returns the leaf, addresses checksummed
 */
export function valueToLeaf(value: readonly unknown[]): BalanceLeaf {
  const [chainId, vault, account, token, balance, seq, inboundNonce, sourceBlock] = value.map(String);
  return {
    chainId: BigInt(chainId ?? ""),
    vault: getAddress(vault ?? ""),
    account: getAddress(account ?? ""),
    token: getAddress(token ?? ""),
    balance: BigInt(balance ?? ""),
    seq: BigInt(seq ?? ""),
    inboundNonce: BigInt(inboundNonce ?? ""),
    sourceBlock: BigInt(sourceBlock ?? ""),
  };
}

/**
 * The hash the hub computes for a leaf: `keccak256(bytes.concat(keccak256(abi.encode(fields...))))`.
 * Every field is a static ABI type, so `abi.encode` is the eight fields as 32-byte words; they are
 * written out directly instead of through viem's generic `encodeAbiParameters`, which walks the ABI per leaf.
 *
 * @param leaf the leaf
 * @returns the 32-byte leaf hash
 * @throws {RangeError} when a number does not fit its type or an address is not 20 bytes of hex
 */
export function leafHash(leaf: BalanceLeaf): Hex {
  const encoded: Hex = `0x${uintWord(leaf.chainId, 64, "chainId")}${addressWord(leaf.vault, "vault")}${addressWord(leaf.account, "account")}${addressWord(leaf.token, "token")}${uintWord(leaf.balance, 256, "balance")}${uintWord(leaf.seq, 64, "seq")}${uintWord(leaf.inboundNonce, 64, "inboundNonce")}${uintWord(leaf.sourceBlock, 64, "sourceBlock")}`;
  return keccak256(keccak256(encoded, "bytes"));
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** A `uint<bits>` as a 32-byte ABI word (64 hex digits, no 0x). */
function uintWord(value: bigint, bits: number, field: string): string {
  if (typeof value !== "bigint" || value < 0n || value >> BigInt(bits) !== 0n)
    throw new RangeError(`leaf ${field}: expected a uint${bits}, got ${String(value)}`);
  return value.toString(16).padStart(64, "0");
}

/** An address as a 32-byte ABI word (left-padded, no 0x). */
function addressWord(value: Address, field: string): string {
  if (typeof value !== "string" || !ADDRESS.test(value))
    throw new RangeError(`leaf ${field}: expected an address (0x + 40 hex digits), got ${String(value)}`);
  return value.slice(2).toLowerCase().padStart(64, "0");
}
