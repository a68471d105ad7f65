import { type Address, getAddress, type Hex } from "viem";
import type { ChainConfig } from "../../shared/config/schema.js";
import type { BalanceLeaf } from "../../shared/merkle/balanceLeaf.js";
import { balanceTreeRoot } from "../../shared/merkle/balanceTreeRoot.js";
import type { BalanceBatchClaim, LeafJson } from "../types.js";
import { AttestationRefusedError } from "./errors.js";
import { parseUintString } from "./parseUintString.js";

/** A claim's leaves, checked and parsed, and the root of their tree. */
export type ParsedBatchLeaves = { leaves: BalanceLeaf[]; root: Hex };

/**
 * The last result per claim object, with the text it was computed from. In-process attesters are
 * handed one claim object and each checks it: the leaves' parse and tree (a `keccak256` per leaf and
 * node, and a checksum per address) are a pure function of that text, so the second and third
 * attester reuse the first one's instead of hashing the batch again. Entries go with their claim.
 */
const lastParsed = new WeakMap<BalanceBatchClaim, { text: string; parsed: ParsedBatchLeaves }>();

/**
 * Checks a BALANCE_BATCH claim's leaves for this chain and source block (the chain's id and vault,
 * the block, no (account, token) twice, every number within its type) and computes the root of
 * their tree (`balanceTreeRoot`). A repeated call with a claim whose leaves, chain and block are
 * unchanged returns the earlier result (see `lastParsed`); the RPC checks that follow stay each
 * attester's own.
 *
 * @param claim the claim
 * @param chain the vault chain the batch comes from
 * @param sourceBlock the block the message says the leaves were read at
 * @returns the parsed leaves and their root (lowercase hex)
 * @throws {AttestationRefusedError} naming the first leaf field that is wrong
 */
export function parseBatchLeaves(
  claim: BalanceBatchClaim,
  chain: ChainConfig,
  sourceBlock: bigint,
): ParsedBatchLeaves {
  const text = fingerprint(claim.leaves, chain, sourceBlock);
  const cached = text === undefined ? undefined : lastParsed.get(claim);
  if (cached !== undefined && cached.text === text) return cached.parsed;
  const leaves = parseLeaves(claim.leaves, chain, sourceBlock);
  const parsed = { leaves, root: balanceTreeRoot(leaves) };
  if (text !== undefined) lastParsed.set(claim, { text, parsed });
  return parsed;
}

/**
 * Refuses the claim.
 *
 * @param check the field or check that failed
 * @param reason what was expected and what came
 * @throws {AttestationRefusedError} always
 */
export function refuse(check: string, reason: string): never {
  throw new AttestationRefusedError({ check, reason });
}

/** Everything the parse reads, as one string (undefined when the leaves are not a list: no caching then). */
function fingerprint(json: unknown, chain: ChainConfig, sourceBlock: bigint): string | undefined {
  if (!Array.isArray(json)) return undefined;
  return `${chain.chainId}|${chain.contracts.vault}|${sourceBlock}|${JSON.stringify(json)}`;
}

function parseLeaves(json: readonly LeafJson[], chain: ChainConfig, sourceBlock: bigint): BalanceLeaf[] {
  if (!Array.isArray(json) || json.length === 0) refuse("leaves", "expected at least one leaf");
  const vault = chain.contracts.vault;
  const seen = new Map<string, number>();
  return json.map((entry, i): BalanceLeaf => {
    const leaf = parseLeaf(entry, `leaves[${i}]`);
    if (leaf.chainId !== BigInt(chain.chainId)) {
      refuse(
        `leaves[${i}].chainId`,
        `leaf chainId ${leaf.chainId}, the batch comes from chain ${chain.chainId}`,
      );
    }
    if (leaf.vault !== vault) {
      refuse(
        `leaves[${i}].vault`,
        `leaf vault ${leaf.vault}, the vault of chain ${chain.chainId} is ${vault}`,
      );
    }
    if (leaf.sourceBlock !== sourceBlock) {
      refuse(
        `leaves[${i}].sourceBlock`,
        `leaf sourceBlock ${leaf.sourceBlock}, the message's is ${sourceBlock}`,
      );
    }
    const key = `${leaf.account}-${leaf.token}`;
    const first = seen.get(key);
    if (first !== undefined) {
      refuse(`leaves[${i}]`, `(account ${leaf.account}, token ${leaf.token}) is already leaves[${first}]`);
    }
    seen.set(key, i);
    return leaf;
  });
}

function parseLeaf(json: LeafJson, path: string): BalanceLeaf {
  if (typeof json !== "object" || json === null) refuse(path, "expected a leaf object");
  return {
    chainId: parseUintString(`${path}.chainId`, json.chainId, 64),
    vault: parseAddress(`${path}.vault`, json.vault),
    account: parseAddress(`${path}.account`, json.account),
    token: parseAddress(`${path}.token`, json.token),
    balance: parseUintString(`${path}.balance`, json.balance, 256),
    seq: parseUintString(`${path}.seq`, json.seq, 64),
    inboundNonce: parseUintString(`${path}.inboundNonce`, json.inboundNonce, 64),
    sourceBlock: parseUintString(`${path}.sourceBlock`, json.sourceBlock, 64),
  };
}

function parseAddress(check: string, value: unknown): Address {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
    refuse(check, `expected an address (0x + 40 hex digits), got ${JSON.stringify(value) ?? String(value)}`);
  }
  return getAddress(value.toLowerCase());
}
