import { getAddress, type Hex, type TransactionReceipt } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { collateralVaultAbi, marginHubAbi } from "../../shared/abis/generated.js";
import { decodePacket } from "../../shared/codec/decodePacket.js";
import { attestationDomain } from "../../shared/eip712/attestationDomain.js";
import { signAttestation } from "../../shared/eip712/signAttestation.js";
import { sortSignatures } from "../../shared/eip712/sortSignatures.js";
import type { ChainClients } from "./chainClients.js";
import { writeAndWait } from "./writeAndWait.js";

/** Parameters of {@link relayPacket}. */
export type RelayPacketParameters = {
  /** The packet (e.g. `relay_message.packet` from the indexer, or a `PacketSent` event's). */
  packet: Hex;
  /** The destination chain's clients. */
  destination: ChainClients;
  /** Attester keys that sign (at least the threshold). */
  attesterKeys: readonly Hex[];
  /** Submits the packet. */
  relayerKey: Hex;
};

/**
 * Acts as the relayer for a packet sent by a vault or the hub: signs its attestation for the
 * destination's domain with `shared/eip712` and delivers it — `MarginHub.receiveWithdrawalRequest`
 * when the receiver is the hub, `CollateralVault.receiveCommand` otherwise.
 *
 * @param parameters packet, destination, signers
 * @returns the delivery's receipt
 */
export async function relayPacket(parameters: RelayPacketParameters): Promise<TransactionReceipt> {
  const { packet, destination } = parameters;
  const header = decodePacket(packet);
  const receiver = getAddress(header.receiverAddress);
  const domain = attestationDomain({ chainId: destination.chain.chainId, verifyingContract: receiver });
  const signed = await Promise.all(
    parameters.attesterKeys.map(async (key) => ({
      signer: privateKeyToAccount(key).address,
      signature: await signAttestation(key, domain, packet),
    })),
  );
  const signatures = sortSignatures(signed);
  const wallet = {
    publicClient: destination.publicClient,
    walletClient: destination.walletFor(parameters.relayerKey),
  };
  const hub = destination.chain.contracts.hub;
  if (hub !== undefined && getAddress(hub) === receiver) {
    return writeAndWait(wallet, {
      address: receiver,
      abi: marginHubAbi,
      functionName: "receiveWithdrawalRequest",
      args: [packet, signatures],
    });
  }
  return writeAndWait(wallet, {
    address: receiver,
    abi: collateralVaultAbi,
    functionName: "receiveCommand",
    args: [packet, signatures],
  });
}
