import type { PublicClient } from "viem";
import { parseBatchNonce } from "../../shared/codec/batchNonce.js";
import type { BalanceBatchMessage } from "../../shared/codec/types.js";
import type { ChainConfig } from "../../shared/config/schema.js";
import type { BalanceLeaf } from "../../shared/merkle/balanceLeaf.js";
import { readAccountStates } from "../readAccountStates.js";
import type { BalanceBatchClaim } from "../types.js";
import { assertBlockFinal } from "./assertBlockFinal.js";
import { callRpc, classifyRpcError } from "./callRpc.js";
import { parseBatchLeaves, refuse } from "./parseBatchLeaves.js";

/** Parameters of {@link verifyBalanceBatch}. */
export type VerifyBalanceBatchParameters = {
  /** This attester's client of the vault chain. */
  client: PublicClient;
  /** The vault chain (the packet's source). */
  chain: ChainConfig;
  /** The claim (its header already verified by `verifyPacketHeader`). */
  claim: BalanceBatchClaim;
  /** The packet's nonce. */
  nonce: bigint;
  /** The decoded BALANCE_BATCH message. */
  message: BalanceBatchMessage;
};

/** Mismatches listed in a refusal before "and N more". */
const MISMATCHES_SHOWN = 3;

/**
 * Verifies a BALANCE_BATCH claim against the vault chain: the batch nonce encodes the message's
 * source block, every leaf belongs to this chain's vault at that block and appears once, the
 * root is the tree of the leaves (`balanceTreeRoot`, equal to `buildBalanceTree(leaves).root`),
 * the block is final on this attester's RPC, the timestamp is that block's, and every leaf's
 * `balance`, `seq` and `inboundNonce` equal the vault's `accountState` read at that block (all
 * leaves read in a few multicalls, `readAccountStates`).
 *
 * @param parameters client, chain, claim, nonce and message
 * @throws {AttestationRefusedError} naming the first check that failed, with the values
 * @throws {AttestationNotFinalError} when the source block is not final yet on this RPC
 * @throws {RpcUnavailableError} when the RPC failed
 */
export async function verifyBalanceBatch(parameters: VerifyBalanceBatchParameters): Promise<void> {
  const { chain, claim, message } = parameters;
  const parsed = parseBatchNonce(parameters.nonce);
  if (parsed === undefined) {
    refuse("nonce", `${parameters.nonce} is not a batch nonce (2^63 | sourceBlock << 16 | index)`);
  }
  if (parsed.sourceBlock !== message.sourceBlock) {
    refuse(
      "sourceBlock",
      `the nonce encodes block ${parsed.sourceBlock}, the message says ${message.sourceBlock}`,
    );
  }
  const { leaves, root } = parseBatchLeaves(claim, chain, message.sourceBlock);
  if (message.leafCount !== leaves.length) {
    refuse("leafCount", `the message counts ${message.leafCount} leaves, the claim has ${leaves.length}`);
  }
  if (root !== message.root.toLowerCase()) {
    refuse("root", `the message's root is ${message.root}, the tree of the claim's leaves has ${root}`);
  }

  await assertBlockFinal({ client: parameters.client, chain, blockNumber: message.sourceBlock });
  await Promise.all([checkTimestamp(parameters), checkStates(parameters, leaves)]);
}

async function checkTimestamp(parameters: VerifyBalanceBatchParameters): Promise<void> {
  const { chain, message } = parameters;
  const block = await callRpc(
    { chainId: chain.chainId, what: `eth_getBlockByNumber(${message.sourceBlock})` },
    () => parameters.client.getBlock({ blockNumber: message.sourceBlock }),
  );
  if (block.timestamp !== message.sourceTimestamp) {
    refuse(
      "sourceTimestamp",
      `block ${message.sourceBlock} on chain ${chain.chainId} has timestamp ${block.timestamp}, the message says ${message.sourceTimestamp}`,
    );
  }
}

async function checkStates(parameters: VerifyBalanceBatchParameters, leaves: BalanceLeaf[]): Promise<void> {
  const { chain, message } = parameters;
  const blockNumber = message.sourceBlock;
  const what = (leaf: BalanceLeaf) => `accountState(${leaf.account}, ${leaf.token}) at block ${blockNumber}`;
  const reads = await callRpc(
    { chainId: chain.chainId, what: `accountState of ${leaves.length} leaves at block ${blockNumber}` },
    () =>
      readAccountStates({
        client: parameters.client,
        vault: chain.contracts.vault,
        keys: leaves,
        blockNumber,
      }),
  );
  const states = reads.map((read, i) => {
    const leaf = leaves[i] as BalanceLeaf; // one read per leaf
    if (read.status === "success") return read.state;
    // Only the vault's own answer for this leaf may refute it: a failed call is the RPC's fault.
    const refuseAs = read.scope === "key" ? `leaves[${i}]` : undefined;
    throw classifyRpcError({ chainId: chain.chainId, what: what(leaf), refuseAs }, read.error);
  });
  const mismatches: { check: string; text: string }[] = [];
  leaves.forEach((leaf, i) => {
    const onChain = states[i];
    for (const field of ["balance", "seq", "inboundNonce"] as const) {
      if (onChain?.[field] === leaf[field]) continue;
      mismatches.push({
        check: `leaves[${i}].${field}`,
        text: `leaves[${i}].${field} is ${leaf[field]} but the vault holds ${onChain?.[field]} for (account ${leaf.account}, token ${leaf.token}) at block ${blockNumber}`,
      });
    }
  });
  const first = mismatches[0];
  if (first === undefined) return;
  const more = mismatches.length - MISMATCHES_SHOWN;
  refuse(
    first.check,
    `${mismatches
      .slice(0, MISMATCHES_SHOWN)
      .map((m) => m.text)
      .join("; ")}${more > 0 ? `; and ${more} more` : ""}`,
  );
}
