import type { BalanceLeaf } from "../shared/merkle/balanceLeaf.js";
import type { LeafJson } from "./types.js";

/**
 * A balance leaf as job data (numbers as decimal strings).
 *
 * @param leaf the leaf
 * @returns its JSON form
 */
export function leafToJson(leaf: BalanceLeaf): LeafJson {
  return {
    chainId: leaf.chainId.toString(),
    vault: leaf.vault,
    account: leaf.account,
    token: leaf.token,
    balance: leaf.balance.toString(),
    seq: leaf.seq.toString(),
    inboundNonce: leaf.inboundNonce.toString(),
    sourceBlock: leaf.sourceBlock.toString(),
  };
}

/**
 * A balance leaf back from job data.
 *
 * @param json the JSON form
 * @returns the leaf with `bigint` numbers
 */
export function leafFromJson(json: LeafJson): BalanceLeaf {
  return {
    chainId: BigInt(json.chainId),
    vault: json.vault,
    account: json.account,
    token: json.token,
    balance: BigInt(json.balance),
    seq: BigInt(json.seq),
    inboundNonce: BigInt(json.inboundNonce),
    sourceBlock: BigInt(json.sourceBlock),
  };
}
