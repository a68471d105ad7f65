import { type Address, type Hex, keccak256, maxUint256, parseEther, parseUnits, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { mockErc20Abi, mockPriceFeedAbi } from "../../shared/abis/generated.js";
import { type ChainClients, tokenAddress } from "./chainClients.js";
import { checkLedger, type LedgerDeposit, type MixedLedger, type Violation } from "./mixedLedger.js";
import { liquidateAll, openPosition, requestWithdrawal, sendDeposits } from "./mixedWorkloadActions.js";
import { pollUntil } from "./pollUntil.js";
import { mineTowardFinality } from "./pollWhileMining.js";
import { readMixedFacts } from "./readMixedFacts.js";
import { randomInt } from "./seededRandom.js";
import { createCreditTracker } from "./trackCredits.js";
import { writeAndWait } from "./writeAndWait.js";

/** Parameters of {@link createMixedWorkload}. */
export type MixedWorkloadParameters = {
  hub: ChainClients;
  /** The two vault chains (a liquidation seizes on both). */
  vaults: readonly [ChainClients, ChainClients];
  /** Names the account family: each label gives fresh accounts nothing else uses. */
  label: string;
  /** Seeded random source: which chain, what amounts. */
  random: () => number;
  /** Mints USDC on the vault chains and pays every deposit (`depositFor`); not the relayer's key. */
  payerKey: Hex;
  /** Calls `MarginHub.liquidate`. */
  liquidatorKey: Hex;
  /** Sets the perp feed's answer around a liquidation (the devnet deployer). */
  priceKey: Hex;
  /** The perp market's ETH-USD feed (8 decimals). */
  perpFeed: Address;
  /** Automining devnet: mine toward finality while settling (leave false on interval mining). */
  mine: boolean;
};

/** How many fresh accounts one round funds, per role. */
export type FundCounts = {
  /** Accounts whose withdrawal request the hub must approve (no position). */
  approve: number;
  /** Accounts whose request the hub must reject (a position it would leave below initial margin). */
  reject: number;
  /** Accounts liquidated once credited, with SEIZEs on both vault chains. */
  liquidate: number;
};

/** What the workload did so far. */
export type MixedCounts = {
  deposits: number;
  requests: number;
  approved: number;
  rejected: number;
  seizes: number;
  /** `BalanceCredited` events for the workload's keys, as of the last `verify` / `settle`. */
  updates: number;
};

type Role = keyof FundCounts;
type Funded = { role: Role; key: Hex; address: Address; deposits: LedgerDeposit[]; spent: boolean };

/** USDC amounts that put the roles where they must be at the feed's starting price ($3 000 / ETH). */
const USDC = (units: string) => parseUnits(units, 6);
const REJECT_DEPOSIT = USDC("1000");
/** 2 ETH at $3 000 needs $600 of initial margin: $980 of haircut USDC covers it… */
const REJECT_POSITION = 2n * 10n ** 18n;
/** …and $490 after this request does not: the hub must reject it. */
const REJECT_REQUEST = USDC("500");
const LIQUIDATE_DEPOSITS = [USDC("500"), USDC("600")] as const;
/** 3 ETH needs $900 against $1 078; at 90 % of the price the loss makes the account liquidatable. */
const LIQUIDATE_POSITION = 3n * 10n ** 18n;
const GAS_MONEY = parseEther("1");

/**
 * A mixed money-in / money-out workload for fresh accounts on an indexed devnet, with its ledger:
 * deposits on both vault chains, withdrawal requests the hub must approve, requests it must
 * reject, and liquidations that seize on both vault chains. Each `round` spends the accounts
 * whose deposits the hub has credited and funds new ones; `settle` waits until the chains agree
 * with the ledger; `verify` reports (never throws) every exactly-once violation.
 *
 * @param parameters chains, keys, label, random source
 * @returns the workload
 * @example
 * const work = createMixedWorkload({ hub, vaults, label: "soak", random: seededRandom(1), … });
 * await work.prepare();
 * await work.round({ approve: 3, reject: 1, liquidate: 1 });
 * const violations = await work.settle({ timeoutMs: 120_000 });
 */
export function createMixedWorkload(parameters: MixedWorkloadParameters) {
  const { hub, vaults, random } = parameters;
  const chains = [hub, ...vaults];
  const ledger: MixedLedger = { deposits: [], requests: [], liquidations: [] };
  const funded: Funded[] = [];
  const tracker = createCreditTracker({ hub, chains: vaults });
  let updates = 0;
  let startPrice: bigint | undefined;

  /** Mints USDC to the payer and approves each vault; reads the feed's price to return to. */
  async function prepare(): Promise<void> {
    const payer = privateKeyToAccount(parameters.payerKey).address;
    for (const chain of vaults) {
      const wallet = { publicClient: chain.publicClient, walletClient: chain.walletFor(parameters.payerKey) };
      const token = tokenAddress(chain, "USDC");
      await writeAndWait(wallet, {
        address: token,
        abi: mockErc20Abi,
        functionName: "mint",
        args: [payer, USDC("1000000000")],
      });
      await writeAndWait(wallet, {
        address: token,
        abi: mockErc20Abi,
        functionName: "approve",
        args: [chain.chain.contracts.vault, maxUint256],
      });
    }
    const [, answer] = await hub.publicClient.readContract({
      address: parameters.perpFeed,
      abi: mockPriceFeedAbi,
      functionName: "latestRoundData",
    });
    startPrice = answer;
  }

  /** Funds fresh accounts: gas on the chains they act on, USDC deposits paid by the payer. */
  async function fund(counts: FundCounts): Promise<void> {
    const planned: { account: Funded; chainId: number; amount: bigint }[] = [];
    const roles = (["approve", "reject", "liquidate"] as const).flatMap((role) =>
      Array.from({ length: counts[role] }, () => role),
    );
    for (const role of roles) {
      const key = keccak256(toHex(`${parameters.label}-${funded.length}`));
      const account: Funded = {
        role,
        key,
        address: privateKeyToAccount(key).address,
        deposits: [],
        spent: false,
      };
      funded.push(account);
      const chain = vaults[randomInt(random, 0, 1)] ?? vaults[0];
      if (role === "approve") {
        planned.push({
          account,
          chainId: chain.chain.chainId,
          amount: USDC(String(randomInt(random, 50, 500))),
        });
      } else if (role === "reject") {
        planned.push({ account, chainId: chain.chain.chainId, amount: REJECT_DEPOSIT });
      } else {
        for (const [i, vault] of vaults.entries())
          planned.push({ account, chainId: vault.chain.chainId, amount: LIQUIDATE_DEPOSITS[i] ?? 0n });
      }
    }
    // Gas for the accounts' own calls: requests on the vault chains, positions on the hub.
    await Promise.all(
      roles.length === 0
        ? []
        : chains.flatMap((chain) =>
            funded
              .slice(-roles.length)
              .map((a) => chain.testClient.setBalance({ address: a.address, value: GAS_MONEY })),
          ),
    );
    await Promise.all(
      vaults.map(async (chain) => {
        const mine = planned.filter((p) => p.chainId === chain.chain.chainId);
        const deposits = await sendDeposits(
          chain,
          parameters.payerKey,
          mine.map((p) => ({
            account: p.account.address,
            token: tokenAddress(chain, "USDC"),
            amount: p.amount,
          })),
        );
        for (const [i, deposit] of deposits.entries()) {
          mine[i]?.account.deposits.push(deposit);
          ledger.deposits.push(deposit);
          tracker.add(deposit);
        }
      }),
    );
  }

  /** Spends every funded account whose deposits the hub has credited: requests, positions, liquidations. */
  async function spend(): Promise<void> {
    await tracker.observe();
    const ready = funded.filter(
      (a) => !a.spent && a.deposits.length > 0 && a.deposits.every(tracker.credited),
    );
    for (const account of ready) account.spent = true;
    const onHub = (a: Funded) => ({ hub, key: a.key });
    // Positions first, all at the starting price (the liquidations below move it).
    await Promise.all(
      ready
        .filter((a) => a.role !== "approve")
        .map((a) => openPosition(onHub(a), a.role === "reject" ? REJECT_POSITION : LIQUIDATE_POSITION)),
    );
    const requests = await Promise.all(
      ready
        .filter((a) => a.role !== "liquidate")
        .map(async (a) => {
          const [deposit] = a.deposits;
          if (deposit === undefined) throw new Error(`account ${a.address} has no deposit`);
          const chain = vaultOf(deposit.chainId);
          const amount =
            a.role === "reject"
              ? REJECT_REQUEST
              : (deposit.amount * BigInt(randomInt(random, 20, 60))) / 100n;
          const guid = await requestWithdrawal(chain, a.key, deposit.token, amount);
          return {
            chainId: deposit.chainId,
            account: a.address,
            token: deposit.token,
            amount,
            guid,
            expect: a.role === "approve" ? ("approved" as const) : ("rejected" as const),
          };
        }),
    );
    ledger.requests.push(...requests);
    const targets = ready.filter((a) => a.role === "liquidate").map((a) => a.address);
    if (targets.length === 0) return;
    if (startPrice === undefined) throw new Error("mixedWorkload: call prepare() first");
    ledger.liquidations.push(
      ...(await liquidateAll({
        hub,
        targets,
        liquidatorKey: parameters.liquidatorKey,
        priceKey: parameters.priceKey,
        perpFeed: parameters.perpFeed,
        startPrice,
      })),
    );
  }

  /** One step of the flow: mine toward finality (automining devnet only), then spend what is credited. */
  async function step(): Promise<void> {
    if (parameters.mine) await mineTowardFinality(chains);
    await spend();
  }

  /** Steps (without spending) until the hub has credited every deposit made so far. */
  async function waitCredited(timeoutMs: number): Promise<void> {
    await pollUntil(
      async () => {
        if (parameters.mine) await mineTowardFinality(chains);
        await tracker.observe();
        return ledger.deposits.filter((d) => !tracker.credited(d)).length;
      },
      (left) => left === 0,
      { timeoutMs, intervalMs: 300, what: "every deposit of the mixed workload credited" },
    );
  }

  /** One round: spend what is credited, then fund new accounts. */
  async function round(counts: FundCounts): Promise<void> {
    await spend();
    await fund(counts);
  }

  /**
   * Reads the chains and holds them to the ledger (a funded account's deposits are checked whether
   * or not it was spent).
   *
   * @param requireSpent count funded accounts not spent yet as unresolved (default true)
   */
  async function verify(requireSpent = true): Promise<Violation[]> {
    const facts = await readMixedFacts({ hub, chains: vaults, ledger });
    updates = [...facts.keys.values()].reduce((n, k) => n + k.creditedSeqs.length, 0);
    const unspent: Violation[] = funded
      .filter((a) => requireSpent && !a.spent)
      .map((a) => ({
        kind: "unresolved",
        what: `${a.role} account ${a.address}: deposits not credited yet`,
      }));
    return [...unspent, ...checkLedger(ledger, facts)];
  }

  /**
   * Keeps spending newly credited accounts (mining toward finality on an automining devnet) until
   * `verify` finds nothing, or the time is up.
   *
   * @returns the violations left (empty: every piece of work happened exactly once)
   */
  async function settle(options: {
    timeoutMs: number;
    intervalMs?: number;
    /** Keep spending accounts credited meanwhile (default true); false only waits for what is in flight. */
    spend?: boolean;
  }): Promise<Violation[]> {
    const deadline = Date.now() + options.timeoutMs;
    const spending = options.spend ?? true;
    for (;;) {
      let violations: Violation[];
      try {
        if (spending) await step();
        else if (parameters.mine) await mineTowardFinality(chains);
        violations = await verify(spending);
      } catch (error) {
        // A read that timed out on a busy node proves nothing either way: look again.
        violations = [
          { kind: "unresolved", what: `could not read the chains: ${String(error).slice(0, 200)}` },
        ];
      }
      // A double is final: waiting cannot undo it.
      if (violations.length === 0 || violations.some((v) => v.kind !== "unresolved") || Date.now() > deadline)
        return violations;
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
    }
  }

  /** How many requests the hub has decided and how many commands the vaults applied, for "nothing resolves" checks. */
  async function resolved(): Promise<{ decided: number; applied: number }> {
    const facts = await readMixedFacts({ hub, chains: vaults, ledger: { ...ledger, deposits: [] } });
    const decided = ledger.requests.filter((r) => facts.decisions.has(r.guid)).length;
    const commands = [
      ...ledger.requests.flatMap((r) =>
        (facts.decisions.get(r.guid) ?? []).map((d) => `${r.chainId}:${d.commandGuid}`),
      ),
      ...ledger.liquidations.flatMap((l) => l.seizes.map((s) => `${s.chainId}:${s.guid}`)),
    ];
    return { decided, applied: commands.filter((c) => facts.applied.has(c)).length };
  }

  function counts(): MixedCounts {
    const approved = ledger.requests.filter((r) => r.expect === "approved").length;
    return {
      deposits: ledger.deposits.length,
      requests: ledger.requests.length,
      approved,
      rejected: ledger.requests.length - approved,
      seizes: ledger.liquidations.reduce((n, l) => n + l.seizes.length, 0),
      updates,
    };
  }

  function vaultOf(chainId: number): ChainClients {
    const chain = vaults.find((v) => v.chain.chainId === chainId);
    if (chain === undefined) throw new Error(`mixedWorkload: no vault chain ${chainId}`);
    return chain;
  }

  return {
    prepare,
    fund,
    spend,
    step,
    waitCredited,
    round,
    verify,
    settle,
    resolved,
    counts,
    /** Seconds from each deposit turning final to its hub credit (the overhead above the floor). */
    creditLatencies: tracker.latencies,
    /** Each credited deposit's latency with the moment it was seen final. */
    creditSamples: tracker.samples,
    /** Polls heads and credits once, for the latency figures (call it often while work flows). */
    observe: tracker.observe,
    ledger,
  };
}

/** The workload's type. */
export type MixedWorkload = ReturnType<typeof createMixedWorkload>;
