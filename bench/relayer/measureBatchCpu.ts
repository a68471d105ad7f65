/**
 * `tsx bench/relayer/measureBatchCpu.ts`: CPU milliseconds (`process.cpuUsage`, so another process's
 * load does not count) of the relayer's pure per-burst work on 2,000 leaves in ten batches of 200:
 * the batches' tree roots (discovery computes one per batch, each attester checks one) and the
 * `submitBatch` arguments of each delivery (`buildDeliveryCall`). Four rounds: the first warms up.
 * Run it in two checkouts to compare them.
 */
import { getAddress, type Hex, keccak256, toHex } from "viem";
import { buildDeliveryCall } from "../../relayer/deliver/buildDeliveryCall.js";
import { exampleConfig } from "../../shared/config/exampleConfig.js";
import { parseConfig } from "../../shared/config/parseConfig.js";
import type { BalanceLeaf } from "../../shared/merkle/balanceLeaf.js";
import { balanceTreeRoot } from "../../shared/merkle/balanceTreeRoot.js";
import { buildBatchClaim } from "../../test/kit/buildBatchClaim.js";

const config = parseConfig(exampleConfig());
const hub = config.chains["31337"];
const chain = config.chains["31338"];
if (hub?.contracts.hub === undefined || chain === undefined)
  throw new Error("exampleConfig lists the hub 31337 and the vault chain 31338");
const hubAddress = hub.contracts.hub;
const token = getAddress(`0x${"40".padStart(40, "0")}`);
const batches = Array.from({ length: 10 }, (_, b) =>
  Array.from(
    { length: 200 },
    (_, i): BalanceLeaf => ({
      chainId: BigInt(chain.chainId),
      vault: getAddress(chain.contracts.vault),
      account: getAddress(keccak256(toHex(b * 1_000 + i)).slice(0, 42)),
      token,
      balance: BigInt(i + 1) * 10n ** 18n,
      seq: BigInt(i + 1),
      inboundNonce: 0n,
      sourceBlock: 40n,
    }),
  ),
);
const claims = batches.map((leaves) =>
  buildBatchClaim({
    srcChainId: chain.chainId,
    hubChainId: hub.chainId,
    sender: chain.contracts.vault,
    receiver: hubAddress,
    leaves,
    sourceBlock: 40n,
    sourceTimestamp: 1n,
  }),
);
const signatures: Hex = `0x${"11".repeat(130)}`; // two 65-byte signatures: only their shape is checked here

const cpuMs = (work: () => void) => {
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1_000;
};
for (let round = 0; round < 4; round++) {
  const roots = cpuMs(() => {
    for (const leaves of batches) balanceTreeRoot(leaves);
  });
  const deliveries = cpuMs(() => {
    for (const claim of claims) buildDeliveryCall({ config, claim, signatures });
  });
  console.log(
    `round ${round}: 10 × balanceTreeRoot (200 leaves) ${roots.toFixed(0)} ms; 10 × buildDeliveryCall (200 leaves) ${deliveries.toFixed(0)} ms`,
  );
}
