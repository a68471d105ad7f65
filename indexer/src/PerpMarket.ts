import { ponder } from "ponder:registry";
import { perpMarket, position } from "ponder:schema";
import type { Address } from "viem";
import { lower } from "../lib/indexerConfig.js";
import type { IndexerClient, IndexerDb } from "../lib/store/context.js";
import { ensurePerpMarket } from "../lib/store/ensurePerpMarket.js";

/*
 * PerpMarket (hub chain): positions and debt, the requirement side of every account's margin.
 */

type PositionChange = {
  size: bigint;
  entryPriceWad: bigint;
  /** Undefined: unchanged. */
  debtUsd?: bigint;
  /** Realized PnL to add. */
  pnlUsd?: bigint;
  status: "open" | "closed" | "liquidated" | "reduced";
};

type PerpEvent = { log: { address: Address }; block: { number: bigint; timestamp: bigint } };

async function changePosition(
  context: { db: IndexerDb; client: IndexerClient; chain: { id: number } },
  event: PerpEvent,
  accountAddress: Address,
  change: PositionChange,
): Promise<void> {
  const block = event.block.number;
  const timestamp = event.block.timestamp;
  const market = await ensurePerpMarket(context, { address: event.log.address, block, timestamp });
  const key = { market: market.address, account: lower(accountAddress) };
  const existing = await context.db.find(position, key);
  const values = {
    size: change.size,
    entryPriceWad: change.entryPriceWad,
    debtUsd: change.debtUsd ?? existing?.debtUsd ?? 0n,
    realizedPnlUsd: (existing?.realizedPnlUsd ?? 0n) + (change.pnlUsd ?? 0n),
    status: change.status,
    updatedBlock: block,
    updatedTimestamp: timestamp,
  };
  if (existing === null) await context.db.insert(position).values({ ...key, ...values });
  else await context.db.update(position, key).set(values);
}

ponder.on("PerpMarket:PositionOpened", async ({ event, context }) => {
  const { account, size, entryPriceWad } = event.args;
  await changePosition(context, event, account, { size, entryPriceWad, status: "open" });
});

ponder.on("PerpMarket:PositionClosed", async ({ event, context }) => {
  const { account, pnlUsd, debtUsd } = event.args;
  await changePosition(context, event, account, {
    size: 0n,
    entryPriceWad: 0n,
    debtUsd,
    pnlUsd,
    status: "closed",
  });
});

ponder.on("PerpMarket:PositionLiquidated", async ({ event, context }) => {
  const { account, pnlUsd } = event.args;
  // Liquidation clears the position and the debt.
  await changePosition(context, event, account, {
    size: 0n,
    entryPriceWad: 0n,
    debtUsd: 0n,
    pnlUsd,
    status: "liquidated",
  });
});

// A partial liquidation (the hub's close factor): the rest of the position stays at its entry
// price, the debt is what remains of it.
ponder.on("PerpMarket:PositionReduced", async ({ event, context }) => {
  const { account, remainingSize, entryPriceWad, pnlUsd, remainingDebtUsd } = event.args;
  await changePosition(context, event, account, {
    size: remainingSize,
    entryPriceWad: remainingSize === 0n ? 0n : entryPriceWad,
    debtUsd: remainingDebtUsd,
    pnlUsd,
    status: "reduced",
  });
});

ponder.on("PerpMarket:MinPositionNotionalSet", async ({ event, context }) => {
  const market = await ensurePerpMarket(context, {
    address: event.log.address,
    block: event.block.number,
    timestamp: event.block.timestamp,
  });
  await context.db
    .update(perpMarket, { address: market.address })
    .set({ minPositionNotionalUsd: event.args.minPositionNotionalUsd });
});
