import { type Address, encodeAbiParameters, getAddress, type Hex, keccak256 } from "viem";

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
 *
 * @param leaf the leaf
 * @returns the 32-byte leaf hash
 */
export function leafHash(leaf: BalanceLeaf): Hex {
  const encoded = encodeAbiParameters(
    balanceLeafTypes.map((type) => ({ type })),
    [
      leaf.chainId,
      leaf.vault,
      leaf.account,
      leaf.token,
      leaf.balance,
      leaf.seq,
      leaf.inboundNonce,
      leaf.sourceBlock,
    ],
  );
  return keccak256(keccak256(encoded));
}
