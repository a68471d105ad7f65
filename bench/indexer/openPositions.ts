import { type Address, encodeFunctionData, type Hex, type TransactionReceipt } from "viem";
import { getDevnetAccounts } from "../../scripts/devnet/accounts.js";
import {
  bulkDepositorAbi,
  collateralVaultAbi,
  marginHubAbi,
  perpMarketAbi,
} from "../../shared/abis/generated.js";
import type { BalanceLeaf } from "../../shared/merkle/balanceLeaf.js";
import { fullBatchProof } from "../../shared/merkle/fullBatchProof.js";
import { attestBalanceBatch } from "../../test/kit/attestBalanceBatch.js";
import { seededRandom } from "../../test/kit/seededRandom.js";
import type { ChainSender } from "./chainSender.js";
import type { WorkloadPlan } from "./planWorkload.js";
import { tokenOf } from "./tokenOf.js";
import { traderAt } from "./traderAt.js";

/** Leaves per `submitBatch` (first credits, ~30k gas each) and positions per `actMany`. */
const LEAVES_PER_BATCH = 300;
const POSITIONS_PER_TX = 40;
/** Hub transactions between two price ticks; ticks once the positions are open (the perp's feed falling). */
const TXS_PER_TICK = 2;
const CLOSING_TICKS = 8;
/** Each batch's positions use this share of their initial-margin capacity, drawn per batch (bps). */
const LEVERAGE_BPS = [6_000, 9_200] as const;

/** Parameters of {@link openPositions}. */
export type OpenPositionsParameters = {
  hub: ChainSender;
  /** In the plan's chain order. */
  vaults: readonly ChainSender[];
  bulk: Address;
  salt: Hex;
  plan: WorkloadPlan;
  perp: { market: Address; feed: Address };
  ticker: { tick: () => void; fall: () => void };
  count: (chainId: number, receipts: TransactionReceipt[]) => void;
  progress: (line: string) => void;
};

/**
 * The hub side of the workload: credits every row of the position holders (traders `0` …
 * `plan.positions − 1`) as the relayer would, in attested `submitBatch`es of the states read from
 * the vaults, then opens each one a long perp position of between 60 and 92 % of what its credit
 * allows, a price tick every {@link TXS_PER_TICK} hub transactions; finally ticks while the perp's
 * feed falls 7 %.
 *
 * @param parameters senders, trader family, plan, perp market, ticker and counters
 */
export async function openPositions(parameters: OpenPositionsParameters): Promise<void> {
  const { hub, plan, ticker } = parameters;
  const started = performance.now();
  const progress = (line: string) =>
    parameters.progress(`hub: ${line} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  let sent = 0;
  const send = async (data: Hex, to: Address) => {
    parameters.count(hub.chain.chainId, await hub.send([{ to, data }]));
    if (++sent % TXS_PER_TICK === 0) ticker.tick();
  };

  const hubAddress = hub.chain.contracts.hub;
  if (hubAddress === undefined) throw new Error("the hub chain has no MarginHub");
  for (const [c, vault] of parameters.vaults.entries()) {
    const leaves = await readLeaves(parameters, c);
    const block = await vault.client.getBlock({ blockNumber: leaves[0]!.sourceBlock });
    for (let from = 0, index = 0; from < leaves.length; from += LEAVES_PER_BATCH, index++) {
      const part = leaves.slice(from, from + LEAVES_PER_BATCH);
      const batch = await attestBalanceBatch({
        hub: hubAddress,
        hubChainId: hub.chain.chainId,
        srcEid: vault.chain.chainId,
        vault: vault.chain.contracts.vault,
        leaves: part,
        sourceBlock: block.number,
        sourceTimestamp: block.timestamp,
        index,
        signerKeys: getDevnetAccounts().attesters.map((a) => a.privateKey),
      });
      const proof = fullBatchProof(batch.tree);
      const data = encodeFunctionData({
        abi: marginHubAbi,
        functionName: "submitBatch",
        args: [batch.packet, batch.signatures, proof.leaves, proof.proof, proof.proofFlags],
      });
      await send(data, hubAddress);
    }
    progress(`credited ${leaves.length.toLocaleString("en-US")} rows of chain ${vault.chain.chainId}`);
  }

  const market = parameters.perp.market;
  const read = <T extends "initialMarginBps" | "markPrice">(functionName: T) =>
    hub.client.readContract({ address: market, abi: perpMarketAbi, functionName });
  const [initialMarginBps, markWad] = await Promise.all([read("initialMarginBps"), read("markPrice")]);
  const random = seededRandom(11);
  for (let start = 0; start < plan.positions; start += POSITIONS_PER_TX) {
    const count = Math.min(POSITIONS_PER_TX, plan.positions - start);
    const margins = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        hub.client.readContract({
          address: hubAddress,
          abi: marginHubAbi,
          functionName: "accountMargin",
          args: [traderAt(parameters.bulk, parameters.salt, start + i)],
        }),
      ),
    );
    let least = margins[0]!.adjustedUsd;
    for (const { adjustedUsd } of margins) if (adjustedUsd < least) least = adjustedUsd;
    const share = BigInt(Math.round(LEVERAGE_BPS[0] + random() * (LEVERAGE_BPS[1] - LEVERAGE_BPS[0])));
    // size (WAD) = share · adjusted / initial margin, in base units at the mark price.
    const size = (least * 10n ** 18n * share) / BigInt(initialMarginBps) / markWad;
    const open = encodeFunctionData({ abi: perpMarketAbi, functionName: "openPosition", args: [size] });
    const data = encodeFunctionData({
      abi: bulkDepositorAbi,
      functionName: "actMany",
      args: [parameters.salt, BigInt(start), BigInt(count), market, open],
    });
    await send(data, parameters.bulk);
  }
  progress(`${plan.positions.toLocaleString("en-US")} positions open`);
  ticker.fall();
  for (let t = 0; t < CLOSING_TICKS; t++) ticker.tick();
}

/** The position holders' rows on vault chain `c`, read at its latest block: the states a relayer would attest. */
async function readLeaves(parameters: OpenPositionsParameters, c: number): Promise<BalanceLeaf[]> {
  const vault = parameters.vaults[c]!;
  const sourceBlock = await vault.client.getBlockNumber();
  const rows: { token: Address; account: Address }[] = [];
  for (let trader = 0; trader < parameters.plan.positions; trader++)
    for (const row of parameters.plan.rowsOf(trader))
      if (row.chain === c)
        rows.push({
          token: tokenOf(vault.chain, row.symbol).address,
          account: traderAt(parameters.bulk, parameters.salt, trader),
        });
  return Promise.all(
    rows.map(async ({ token, account }) => {
      const [balance, , seq, inboundNonce] = await vault.client.readContract({
        address: vault.chain.contracts.vault,
        abi: collateralVaultAbi,
        functionName: "accountState",
        args: [account, token],
        blockNumber: sourceBlock,
      });
      const chainId = BigInt(vault.chain.chainId);
      return {
        chainId,
        vault: vault.chain.contracts.vault,
        account,
        token,
        balance,
        seq,
        inboundNonce,
        sourceBlock,
      };
    }),
  );
}
