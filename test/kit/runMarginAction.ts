import {
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  type Hex,
  parseEventLogs,
} from "viem";
import {
  collateralVaultAbi,
  marginHubAbi,
  mockErc20Abi,
  mockPriceFeedAbi,
  perpMarketAbi,
} from "../../shared/abis/generated.js";
import { asTimelockOwner } from "./asTimelockOwner.js";
import { type ChainClients, tokenAddress } from "./chainClients.js";
import { creditHub } from "./creditHub.js";
import { depositCollateral } from "./depositCollateral.js";
import { relayPacket } from "./relayPacket.js";
import type { IndexedDevnet } from "./startIndexedDevnet.js";
import { writeAndWait } from "./writeAndWait.js";

/** The devnet's collateral symbols (deployed on every chain). */
export const COLLATERAL_SYMBOLS = ["USDC", "wstETH", "sUSDe", "UNI-V2"] as const;
/** A devnet collateral symbol. */
export type CollateralSymbol = (typeof COLLATERAL_SYMBOLS)[number];
/** A hub-chain price feed: a collateral's, or the perp market's (`ETH-USD`). */
export type FeedName = CollateralSymbol | "ETH-USD";

/**
 * One thing a trader, the relayer or an oracle does on the devnet. `trader` indexes the demo
 * traders; `chain` indexes {@link MarginActionState.chains} (0 = the hub chain's own vault).
 */
export type MarginAction =
  /** Deposits `amount` of `token` at the chain's vault. */
  | { kind: "deposit"; trader: number; chain: number; token: CollateralSymbol; amount: bigint }
  /**
   * Requests `bps`/10 000 of one free balance back (the request packet is queued for the relayer):
   * of the trader's non-zero (chain, token) balances, in chain then symbol order, number
   * `pick` modulo their count.
   */
  | { kind: "requestWithdrawal"; trader: number; pick: number; bps: number }
  /**
   * Acts as the relayer for one chain (of the chains with packets in flight, number `pick` modulo
   * their count): delivers its queued hub commands (decisions, seizes) to the vault in order, then
   * its oldest undelivered withdrawal request to the hub and the hub's decision back.
   */
  | { kind: "relay"; pick: number }
  /** Sets a hub-chain feed's answer (8 decimals; may be ≤ 0). */
  | { kind: "setPrice"; feed: FeedName; answer: bigint }
  /**
   * Opens or grows a perp position (long or short; an open position keeps its side) whose initial requirement uses `percent` of the
   * trader's free credited margin (`adjustedUsd − initialUsd` on the hub) at the perp feed's price;
   * near 100 the account sits at the edge, where price moves make it liquidatable.
   */
  | { kind: "openPosition"; trader: number; long: boolean; percent: number }
  /** Closes the trader's perp position (a loss becomes debt). */
  | { kind: "closePosition"; trader: number }
  /**
   * The liquidator calls `MarginHub.liquidate` on a trader the hub says is liquidatable (number
   * `pick` modulo their count; with none, on trader `pick` modulo the traders, which reverts); the
   * SEIZE commands are queued for the relayer.
   */
  | { kind: "liquidate"; pick: number }
  /** Credits the hub with a signed BALANCE_BATCH of the traders' states of every collateral on the chain. */
  | { kind: "creditHub"; chain: number; traders: readonly number[] }
  /** The hub's owner (the timelock) sets a collateral's concentration haircut (all zero: off). */
  | {
      kind: "setConcentration";
      chain: number;
      token: CollateralSymbol;
      concentration: { scale: bigint; scalarBps: number; lowerBps: number; upperBps: number };
    };

/** What the actions act on, and the packets in flight between them. */
export type MarginActionState = {
  net: IndexedDevnet;
  /** The hub chain, then the vault chains. */
  chains: readonly ChainClients[];
  /** Withdrawal-request packets not yet delivered to the hub, oldest first, per chain index. */
  requests: Map<number, Hex[]>;
  /** Hub commands not yet delivered to the vault, oldest first, per chain index. */
  commands: Map<number, Hex[]>;
};

/**
 * Runs one action against the devnet. A contract revert (a position the collateral does not
 * cover, a close without a position, a stale or non-positive price where the hub needs a fresh
 * one, …) is an outcome, not an error: the chain is unchanged and the outcome says why.
 *
 * @param state the devnet and the packets in flight
 * @param action the action
 * @returns `"ok"`, `"skipped: …"` or `"reverted: <error name>"`
 * @throws anything that is not a contract revert (an RPC failure)
 */
export async function runMarginAction(state: MarginActionState, action: MarginAction): Promise<string> {
  try {
    return await run(state, action);
  } catch (error) {
    return `reverted: ${revertName(error)}`;
  }
}

/** Every contract the actions reach: a revert bubbling up from another contract is decoded too. */
const REVERT_ABI = [...marginHubAbi, ...perpMarketAbi, ...collateralVaultAbi, ...mockErc20Abi];

/**
 * The custom error a contract call reverted with, decoded with every crossmargin ABI (the called
 * contract's ABI does not know the errors bubbling up from the hub).
 *
 * @throws the original error when it is not a contract revert
 */
function revertName(error: unknown): string {
  if (!(error instanceof BaseError)) throw error;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError)) throw error;
  if (reverted.data !== undefined) return reverted.data.errorName;
  if (reverted.raw === undefined) return "without data";
  try {
    return decodeErrorResult({ abi: REVERT_ABI, data: reverted.raw }).errorName;
  } catch {
    return reverted.raw;
  }
}

async function run(state: MarginActionState, action: MarginAction): Promise<string> {
  const { net } = state;
  switch (action.kind) {
    case "deposit": {
      const chain = chainAt(state, action.chain);
      await depositCollateral(chain, {
        key: traderKey(state, action.trader),
        token: tokenAddress(chain, action.token),
        amount: action.amount,
      });
      return "ok";
    }
    case "requestWithdrawal":
      return requestWithdrawal(state, action);
    case "relay": {
      const busy = state.chains
        .map((_, index) => index)
        .filter((i) => (state.requests.get(i) ?? []).length + (state.commands.get(i) ?? []).length > 0);
      const chainIndex = busy[action.pick % Math.max(busy.length, 1)];
      if (chainIndex === undefined) return "skipped: no packet in flight";
      return relayChain(state, chainIndex);
    }
    case "setPrice": {
      const feeds = net.devnet.manifest.devnet;
      const feed = action.feed === "ETH-USD" ? feeds.perpFeed : feeds.feeds[action.feed];
      if (feed === undefined) throw new Error(`no feed for ${action.feed}`);
      await writeAndWait(onHub(state, net.accounts.deployer.privateKey), {
        address: feed,
        abi: mockPriceFeedAbi,
        functionName: "setAnswer",
        args: [action.answer],
      });
      return "ok";
    }
    case "openPosition":
      return openPosition(state, action);
    case "closePosition":
      await writeAndWait(onHub(state, traderKey(state, action.trader)), {
        address: perpMarket(state),
        abi: perpMarketAbi,
        functionName: "closePosition",
        args: [],
      });
      return "ok";
    case "liquidate":
      return liquidate(state, action.pick);
    case "setConcentration": {
      const hub = net.hub.chain.contracts.hub;
      if (hub === undefined) throw new Error("the hub chain has no MarginHub");
      const chain = chainAt(state, action.chain);
      await asTimelockOwner(net.hub, net.accounts.deployer.privateKey, {
        address: hub,
        abi: marginHubAbi,
        functionName: "setConcentration",
        args: [BigInt(chain.chain.chainId), tokenAddress(chain, action.token), action.concentration],
      });
      return "ok";
    }
    case "creditHub": {
      const chain = chainAt(state, action.chain);
      // A fresh source block: a batch's guid is derived from its source block and index.
      await chain.testClient.mine({ blocks: 1 });
      const entries = action.traders.flatMap((trader) =>
        COLLATERAL_SYMBOLS.map((symbol) => ({
          account: traderAddress(state, trader),
          token: tokenAddress(chain, symbol),
        })),
      );
      await creditHub({
        vaultChain: chain,
        hubChain: net.hub,
        entries,
        attesterKeys: net.attesterKeys,
        relayerKey: net.accounts.relayer.privateKey,
      });
      return "ok";
    }
  }
}

async function requestWithdrawal(
  state: MarginActionState,
  action: Extract<MarginAction, { kind: "requestWithdrawal" }>,
): Promise<string> {
  const account = traderAddress(state, action.trader);
  const held: { chainIndex: number; symbol: CollateralSymbol; balance: bigint }[] = [];
  for (const [chainIndex, chain] of state.chains.entries()) {
    for (const symbol of COLLATERAL_SYMBOLS) {
      const [balance] = await chain.publicClient.readContract({
        address: chain.chain.contracts.vault,
        abi: collateralVaultAbi,
        functionName: "accountState",
        args: [account, tokenAddress(chain, symbol)],
      });
      if (balance > 0n) held.push({ chainIndex, symbol, balance });
    }
  }
  const chosen = held[action.pick % Math.max(held.length, 1)];
  if (chosen === undefined) return "skipped: no balance";
  const amount = (chosen.balance * BigInt(action.bps)) / 10_000n;
  const chain = chainAt(state, chosen.chainIndex);
  const what = `${amount} ${chosen.symbol} on ${chain.chain.chainId}`;
  if (amount === 0n) return `skipped: ${what}`;
  const receipt = await writeAndWait(
    { publicClient: chain.publicClient, walletClient: chain.walletFor(traderKey(state, action.trader)) },
    {
      address: chain.chain.contracts.vault,
      abi: collateralVaultAbi,
      functionName: "requestWithdrawal",
      args: [tokenAddress(chain, chosen.symbol), amount],
    },
  );
  const [sent] = parseEventLogs({ abi: collateralVaultAbi, logs: receipt.logs, eventName: "PacketSent" });
  if (sent === undefined) throw new Error("requestWithdrawal emitted no PacketSent");
  state.requests.set(chosen.chainIndex, [...(state.requests.get(chosen.chainIndex) ?? []), sent.args.packet]);
  return `ok: ${what}`;
}

async function openPosition(
  state: MarginActionState,
  action: Extract<MarginAction, { kind: "openPosition" }>,
): Promise<string> {
  const { publicClient } = state.net.hub;
  const hub = state.net.hub.chain.contracts.hub;
  if (hub === undefined) throw new Error("the hub chain has no MarginHub");
  const market = perpMarket(state);
  const margin = await publicClient.readContract({
    address: hub,
    abi: marginHubAbi,
    functionName: "accountMargin",
    args: [traderAddress(state, action.trader)],
  });
  const [, answer] = await publicClient.readContract({
    address: state.net.devnet.manifest.devnet.perpFeed,
    abi: mockPriceFeedAbi,
    functionName: "latestRoundData",
  });
  const initialBps = await publicClient.readContract({
    address: market,
    abi: perpMarketAbi,
    functionName: "initialMarginBps",
  });
  const held = await publicClient.readContract({
    address: market,
    abi: perpMarketAbi,
    functionName: "position",
    args: [traderAddress(state, action.trader)],
  });
  const free = margin.adjustedUsd > margin.initialUsd ? margin.adjustedUsd - margin.initialUsd : 0n;
  // 8-decimal feed → 18-decimal price; a broken feed still sends 0.001 ETH (PerpMarket reverts).
  const priceWad = answer > 0n ? answer * 10n ** 10n : 0n;
  const budget = (free * BigInt(action.percent) * 10_000n) / (100n * BigInt(initialBps));
  const magnitude = priceWad === 0n ? 0n : (budget * 10n ** 18n) / priceWad;
  // An open position keeps its side (the other side reverts with PerpMarket_OppositeSide).
  const long = held.size === 0n ? action.long : held.size > 0n;
  const size = (long ? 1n : -1n) * (magnitude > 10n ** 15n ? magnitude : 10n ** 15n);
  await writeAndWait(onHub(state, traderKey(state, action.trader)), {
    address: market,
    abi: perpMarketAbi,
    functionName: "openPosition",
    args: [size],
  });
  return `ok: size ${size}`;
}

async function liquidate(state: MarginActionState, pick: number): Promise<string> {
  const { net } = state;
  const hub = net.hub.chain.contracts.hub;
  if (hub === undefined) throw new Error("the hub chain has no MarginHub");
  const traders = net.accounts.traders.map((t) => t.address);
  const liquidatable: Address[] = [];
  for (const account of traders) {
    const can = await net.hub.publicClient
      .readContract({ address: hub, abi: marginHubAbi, functionName: "isLiquidatable", args: [account] })
      // A stale or broken price makes the strict view revert: not liquidatable now.
      .catch(() => false);
    if (can) liquidatable.push(account);
  }
  const target = liquidatable[pick % Math.max(liquidatable.length, 1)] ?? traders[pick % traders.length];
  if (target === undefined) throw new Error("no traders");
  const receipt = await writeAndWait(onHub(state, net.accounts.liquidator.privateKey), {
    address: hub,
    abi: marginHubAbi,
    functionName: "liquidate",
    args: [target],
  });
  const seizes = parseEventLogs({ abi: marginHubAbi, logs: receipt.logs, eventName: "PacketSent" });
  for (const { args } of seizes) {
    const chainIndex = state.chains.findIndex((c) => c.chain.chainId === args.dstEid);
    if (chainIndex < 0) throw new Error(`a SEIZE to unknown chain ${args.dstEid}`);
    state.commands.set(chainIndex, [...(state.commands.get(chainIndex) ?? []), args.packet]);
  }
  return `ok: ${target}, ${seizes.length} seize orders`;
}

/** Delivers queued commands to the vault, then the oldest request to the hub and its decision back. */
async function relayChain(state: MarginActionState, chainIndex: number): Promise<string> {
  const { net } = state;
  const chain = chainAt(state, chainIndex);
  await deliverCommands(state, chainIndex, chain);
  const [request, ...rest] = state.requests.get(chainIndex) ?? [];
  if (request === undefined) return `ok: commands delivered to ${chain.chain.chainId}`;
  const receipt = await relayPacket({
    packet: request,
    destination: net.hub,
    attesterKeys: net.attesterKeys,
    relayerKey: net.accounts.relayer.privateKey,
  });
  state.requests.set(chainIndex, rest);
  const [decided] = parseEventLogs({ abi: marginHubAbi, logs: receipt.logs, eventName: "WithdrawalDecided" });
  const [command] = parseEventLogs({ abi: marginHubAbi, logs: receipt.logs, eventName: "PacketSent" });
  if (decided === undefined || command === undefined) throw new Error("the hub sent no decision");
  state.commands.set(chainIndex, [...(state.commands.get(chainIndex) ?? []), command.args.packet]);
  await deliverCommands(state, chainIndex, chain);
  const decision = decided.args.approved ? "approved" : "rejected";
  return `ok: ${decision} ${decided.args.amount} from ${chain.chain.chainId}`;
}

async function deliverCommands(state: MarginActionState, chainIndex: number, chain: ChainClients) {
  const queue = state.commands.get(chainIndex) ?? [];
  while (queue.length > 0) {
    const [command] = queue;
    if (command === undefined) break;
    await relayPacket({
      packet: command,
      destination: chain,
      attesterKeys: state.net.attesterKeys,
      relayerKey: state.net.accounts.relayer.privateKey,
    });
    queue.shift();
  }
  state.commands.set(chainIndex, queue);
}

function chainAt(state: MarginActionState, index: number): ChainClients {
  const chain = state.chains[index];
  if (chain === undefined) throw new RangeError(`no chain ${index}`);
  return chain;
}

function traderKey(state: MarginActionState, index: number): Hex {
  const trader = state.net.accounts.traders[index];
  if (trader === undefined) throw new RangeError(`no trader ${index}`);
  return trader.privateKey;
}

function traderAddress(state: MarginActionState, index: number): Address {
  const trader = state.net.accounts.traders[index];
  if (trader === undefined) throw new RangeError(`no trader ${index}`);
  return trader.address;
}

function perpMarket(state: MarginActionState): Address {
  const market = state.net.hub.chain.contracts.perpMarkets[0];
  if (market === undefined) throw new Error("the hub chain has no PerpMarket");
  return market;
}

function onHub(state: MarginActionState, key: Hex) {
  return { publicClient: state.net.hub.publicClient, walletClient: state.net.hub.walletFor(key) };
}
