import { type Address, type Hex, parseEventLogs } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  collateralVaultAbi,
  marginHubAbi,
  mockPriceFeedAbi,
  perpMarketAbi,
} from "../../shared/abis/generated.js";
import type { ChainClients } from "./chainClients.js";
import type { LedgerDeposit, LedgerSeize } from "./mixedLedger.js";
import { writeAndWait } from "./writeAndWait.js";

/** Gas of one `depositFor` (a fresh key takes about 100k): skips estimation. */
const DEPOSIT_GAS = 200_000n;

/**
 * Sends `depositFor` calls from one payer with consecutive nonces, all at once (automine or
 * interval mining alike), and reads each key's seq from its `Deposited` event.
 *
 * @param chain the vault chain
 * @param payerKey pays every deposit (holds the tokens, vault approved)
 * @param deposits account, token, amount
 * @returns the ledger entries, in the deposits' order
 */
export async function sendDeposits(
  chain: ChainClients,
  payerKey: Hex,
  deposits: readonly { account: Address; token: Address; amount: bigint }[],
): Promise<LedgerDeposit[]> {
  if (deposits.length === 0) return [];
  const wallet = chain.walletFor(payerKey);
  const first = await chain.publicClient.getTransactionCount({
    address: privateKeyToAccount(payerKey).address,
    blockTag: "pending",
  });
  const hashes: Hex[] = [];
  for (const [i, d] of deposits.entries()) {
    hashes.push(
      await wallet.writeContract({
        address: chain.chain.contracts.vault,
        abi: collateralVaultAbi,
        functionName: "depositFor",
        args: [d.account, d.token, d.amount],
        nonce: first + i,
        gas: DEPOSIT_GAS,
      }),
    );
  }
  const receipts = await Promise.all(
    hashes.map((hash) => chain.publicClient.waitForTransactionReceipt({ hash })),
  );
  return receipts.map((receipt, i) => {
    const [event] = parseEventLogs({ abi: collateralVaultAbi, logs: receipt.logs, eventName: "Deposited" });
    const deposit = deposits[i];
    if (receipt.status !== "success" || event === undefined || deposit === undefined)
      throw new Error(`depositFor ${receipt.transactionHash} failed on chain ${chain.chain.chainId}`);
    return {
      chainId: chain.chain.chainId,
      ...deposit,
      seq: BigInt(event.args.seq),
      blockNumber: receipt.blockNumber,
    };
  });
}

/**
 * `requestWithdrawal` from the account itself.
 *
 * @returns the request packet's guid
 */
export async function requestWithdrawal(
  chain: ChainClients,
  key: Hex,
  token: Address,
  amount: bigint,
): Promise<Hex> {
  const receipt = await writeAndWait(
    { publicClient: chain.publicClient, walletClient: chain.walletFor(key) },
    {
      address: chain.chain.contracts.vault,
      abi: collateralVaultAbi,
      functionName: "requestWithdrawal",
      args: [token, amount],
    },
  );
  const [requested] = parseEventLogs({
    abi: collateralVaultAbi,
    logs: receipt.logs,
    eventName: "WithdrawalRequested",
  });
  if (requested === undefined) throw new Error("requestWithdrawal emitted no WithdrawalRequested");
  return requested.args.guid;
}

/** Opens a long perp position of `size` (18 decimals) for the account on the hub's market. */
export async function openPosition(on: { hub: ChainClients; key: Hex }, size: bigint): Promise<void> {
  await writeAndWait(
    { publicClient: on.hub.publicClient, walletClient: on.hub.walletFor(on.key) },
    {
      address: contractOf(on.hub, "perpMarket"),
      abi: perpMarketAbi,
      functionName: "openPosition",
      args: [size],
    },
  );
}

/** Parameters of {@link liquidateAll}. */
export type LiquidateAllParameters = {
  hub: ChainClients;
  targets: readonly Address[];
  liquidatorKey: Hex;
  priceKey: Hex;
  perpFeed: Address;
  /** The price to return to (the feed's answer at the start). */
  startPrice: bigint;
};

/**
 * Moves the perp price 10 % down, liquidates every target (each must be liquidatable then), and
 * moves it back: the hub orders SEIZEs on the targets' collateral chains.
 *
 * @returns per target, the SEIZEs ordered (guid, nonce, chain, token, amount, recipient)
 * @throws {Error} when a target is not liquidatable at the lower price (a workload bug, not a relayer one)
 */
export async function liquidateAll(
  parameters: LiquidateAllParameters,
): Promise<{ account: Address; seizes: LedgerSeize[] }[]> {
  const { hub } = parameters;
  const onHub = (key: Hex) => ({ publicClient: hub.publicClient, walletClient: hub.walletFor(key) });
  const setPrice = (answer: bigint) =>
    writeAndWait(onHub(parameters.priceKey), {
      address: parameters.perpFeed,
      abi: mockPriceFeedAbi,
      functionName: "setAnswer",
      args: [answer],
    });
  const hubAddress = contractOf(hub, "hub");
  const liquidations: { account: Address; seizes: LedgerSeize[] }[] = [];
  await setPrice((parameters.startPrice * 9n) / 10n);
  try {
    for (const account of parameters.targets) {
      const receipt = await writeAndWait(onHub(parameters.liquidatorKey), {
        address: hubAddress,
        abi: marginHubAbi,
        functionName: "liquidate",
        args: [account],
      });
      const ordered = parseEventLogs({ abi: marginHubAbi, logs: receipt.logs, eventName: "SeizeOrdered" });
      const sent = parseEventLogs({ abi: marginHubAbi, logs: receipt.logs, eventName: "PacketSent" });
      const seizes = ordered.map(({ args }) => {
        const packet = sent.find((e) => e.args.guid === args.guid);
        if (packet === undefined) throw new Error(`no PacketSent for SEIZE ${args.guid}`);
        return {
          guid: args.guid,
          nonce: packet.args.nonce,
          chainId: Number(args.chainId),
          token: args.token,
          amount: args.amount,
          recipient: args.recipient,
        };
      });
      liquidations.push({ account, seizes });
    }
  } finally {
    await setPrice(parameters.startPrice);
  }
  return liquidations;
}

function contractOf(hub: ChainClients, name: "hub" | "perpMarket"): Address {
  const address = name === "hub" ? hub.chain.contracts.hub : hub.chain.contracts.perpMarkets[0];
  if (address === undefined) throw new Error(`the hub chain has no ${name}`);
  return address;
}
