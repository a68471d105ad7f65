import { type Address, type Hex, type Log, type PublicClient, parseAbiItem, parseEventLogs } from "viem";
import type { ChainConfig } from "../../shared/config/schema.js";
import type { SentPacketClaim } from "../types.js";
import { assertBlockFinal } from "./assertBlockFinal.js";
import { callRpc } from "./callRpc.js";
import { AttestationRefusedError } from "./errors.js";
import { parseUintString } from "./parseUintString.js";

/** Parameters of {@link verifySentPacket}. */
export type VerifySentPacketParameters = {
  /** This attester's client of the source chain. */
  client: PublicClient;
  /** The source chain. */
  chain: ChainConfig;
  /** The contract that must have emitted `PacketSent` (vault or hub). */
  sender: Address;
  /** The claim (its header already verified by `verifyPacketHeader`). */
  claim: SentPacketClaim;
  /** The packet's nonce. */
  nonce: bigint;
};

/** `PacketSent(bytes32 indexed guid, uint64 indexed nonce, uint32 dstEid, bytes packet)`: the same on vault and hub. */
const packetSentEvent = parseAbiItem(
  "event PacketSent(bytes32 indexed guid, uint64 indexed nonce, uint32 dstEid, bytes packet)",
);

/**
 * Verifies a packet a contract sent (withdrawal request or hub command): the packet nonce equals
 * the claim's, the claimed block is final on this attester's RPC, and the sender emitted a
 * `PacketSent` in that block whose `packet` bytes equal the claim's exactly — found in the
 * receipt of `sourceTxHash` when given (its block checked), else with `eth_getLogs` over that
 * one block filtered by the guid topic.
 *
 * @param parameters client, chain, sender, claim and nonce
 * @throws {AttestationRefusedError} naming the first check that failed, with the values
 * @throws {AttestationNotFinalError} when the block is not final yet on this RPC
 * @throws {RpcUnavailableError} when the RPC failed
 */
export async function verifySentPacket(parameters: VerifySentPacketParameters): Promise<void> {
  const { chain, claim } = parameters;
  const claimedNonce = parseUintString("nonce", claim.nonce, 64);
  if (claimedNonce !== parameters.nonce) {
    refuse("nonce", `the packet's nonce is ${parameters.nonce}, the claim says ${claim.nonce}`);
  }
  const sourceBlock = parseUintString("sourceBlock", claim.sourceBlock, 64);
  await assertBlockFinal({ client: parameters.client, chain, blockNumber: sourceBlock });

  const logs =
    claim.sourceTxHash === undefined
      ? await logsOfBlock(parameters, sourceBlock)
      : await logsOfTransaction(parameters, claim.sourceTxHash, sourceBlock);
  const events = parseEventLogs({ abi: [packetSentEvent], logs, strict: true }).filter(
    (log) =>
      !log.removed &&
      log.address.toLowerCase() === parameters.sender.toLowerCase() &&
      log.args.guid.toLowerCase() === claim.guid.toLowerCase(),
  );
  const where =
    claim.sourceTxHash === undefined
      ? `block ${sourceBlock} of chain ${chain.chainId}`
      : `transaction ${claim.sourceTxHash} (block ${sourceBlock}) of chain ${chain.chainId}`;
  if (events.length === 0) {
    refuse("event", `${parameters.sender} emitted no PacketSent with guid ${claim.guid} in ${where}`);
  }
  const packet = claim.packet.toLowerCase();
  if (!events.some((event) => event.args.packet.toLowerCase() === packet)) {
    refuse(
      "event.packet",
      `the PacketSent with guid ${claim.guid} in ${where} carries other packet bytes (${events[0]?.args.packet}) than the claim (${claim.packet})`,
    );
  }
}

async function logsOfBlock(parameters: VerifySentPacketParameters, blockNumber: bigint): Promise<Log[]> {
  const { chain, claim } = parameters;
  const logs = await callRpc(
    { chainId: chain.chainId, what: `eth_getLogs(PacketSent, block ${blockNumber})` },
    () =>
      parameters.client.getLogs({
        address: parameters.sender,
        event: packetSentEvent,
        args: { guid: claim.guid },
        fromBlock: blockNumber,
        toBlock: blockNumber,
      }),
  );
  return logs;
}

async function logsOfTransaction(
  parameters: VerifySentPacketParameters,
  hash: Hex,
  blockNumber: bigint,
): Promise<Log[]> {
  const { chain } = parameters;
  const receipt = await callRpc(
    { chainId: chain.chainId, what: `eth_getTransactionReceipt(${hash})`, refuseAs: "sourceTxHash" },
    () => parameters.client.getTransactionReceipt({ hash }),
  );
  if (receipt.blockNumber !== blockNumber) {
    refuse(
      "sourceBlock",
      `transaction ${hash} is in block ${receipt.blockNumber}, the claim says ${blockNumber}`,
    );
  }
  if (receipt.status !== "success") refuse("sourceTxHash", `transaction ${hash} reverted`);
  return receipt.logs;
}

function refuse(check: string, reason: string): never {
  throw new AttestationRefusedError({ check, reason });
}
