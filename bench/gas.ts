/**
 * Gas per credited account update on a real `MarginHub` (anvil, 2-of-3 quorum): full batches
 * of 1, 10, 100 and 500 leaves, single-leaf proofs against a stored root (lazy mode), and, side
 * by side, the naive way — one signed packet per account update.
 *
 * Figures are the whole transaction's `gasUsed` (21,000 base, calldata, two ecrecovers, the
 * proof and the storage writes) divided by the account updates it carries. Gas is deterministic,
 * so one run is enough.
 */
import { type Address, getAddress, type Hex, keccak256, toHex } from "viem";
import { marginHubAbi, mockPriceFeedAbi, mockPriceFeedBytecode } from "../shared/abis/generated.js";
import type { BalanceLeaf } from "../shared/merkle/balanceLeaf.js";
import { fullBatchProof } from "../shared/merkle/fullBatchProof.js";
import { leafProof } from "../shared/merkle/leafProof.js";
import { anvilKey, type StartAnvilReturnType, startAnvil } from "../test/kit/anvil.js";
import { attestBalanceBatch } from "../test/kit/attestBalanceBatch.js";
import { deployHub } from "../test/kit/deployHub.js";
import type { Benchmark } from "./types.js";

const HUB_CHAIN_ID = 31337;
const VAULT_CHAIN_ID = 31338;
/** A vault address registered for the vault chain (the hub never calls it). */
const VAULT: Address = getAddress("0x000000000000000000000000000000000000cafe");
const TOKEN: Address = getAddress("0x000000000000000000000000000000000000beef");
/** A registered collateral (6 decimals, $1 feed), for the route-limit rows. */
const PRICED: Address = getAddress("0x000000000000000000000000000000000000feed");
const TARGET_PER_UPDATE_AT_100 = 15_000;

type Context = {
  anvil: StartAnvilReturnType;
  hub: Address;
  signerKeys: readonly Hex[];
  nextIndex: number;
};

/** `n` distinct, deterministic account addresses for batch size `n`. */
function accounts(n: number, salt: string): Address[] {
  return Array.from({ length: n }, (_, i) => getAddress(keccak256(toHex(`${salt}:${i}`)).slice(0, 42)));
}

function leavesFor(who: readonly Address[], seq: bigint, sourceBlock: bigint, token = TOKEN): BalanceLeaf[] {
  return who.map((account, i) => ({
    chainId: BigInt(VAULT_CHAIN_ID),
    vault: VAULT,
    account,
    token,
    balance: 1_000_000n * 10n ** 6n + BigInt(i) + seq * 7n,
    seq,
    inboundNonce: 0n,
    sourceBlock,
  }));
}

/** Sends a transaction (the callback returns its hash), waits for it, returns its gas. */
async function send(ctx: Context, write: () => Promise<Hex>): Promise<bigint> {
  const hash = await write();
  const receipt = await ctx.anvil.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`bench transaction reverted: ${hash}`);
  return receipt.gasUsed;
}

async function attest(ctx: Context, leaves: readonly BalanceLeaf[]) {
  const block = await ctx.anvil.publicClient.getBlock();
  return attestBalanceBatch({
    hub: ctx.hub,
    hubChainId: HUB_CHAIN_ID,
    srcEid: VAULT_CHAIN_ID,
    vault: VAULT,
    leaves,
    sourceBlock: leaves[0]?.sourceBlock ?? 1n,
    sourceTimestamp: block.timestamp,
    index: ctx.nextIndex++,
    signerKeys: ctx.signerKeys,
  });
}

/** Submits one full batch; returns its gas. */
async function submitFull(ctx: Context, leaves: readonly BalanceLeaf[]): Promise<bigint> {
  const batch = await attest(ctx, leaves);
  const proof = fullBatchProof(batch.tree);
  return send(ctx, () =>
    ctx.anvil.walletClient.writeContract({
      address: ctx.hub,
      abi: marginHubAbi,
      functionName: "submitBatch",
      args: [batch.packet, batch.signatures, proof.leaves, proof.proof, proof.proofFlags],
    }),
  );
}

const fmt = (n: number | bigint) => Math.round(Number(n)).toLocaleString("en-US");

export const gasBenchmark: Benchmark = {
  name: "gas",
  title: "Gas per credited account update (MarginHub, 2-of-3 quorum)",
  async run(progress) {
    const anvil = await startAnvil({ chainId: HUB_CHAIN_ID });
    try {
      // Attesters are anvil accounts 1–3; two of them sign.
      const attesterKeys = [anvilKey(1), anvilKey(2), anvilKey(3)];
      const { address: hub } = await deployHub(anvil, { attesterKeys, threshold: 2 });
      const ctx: Context = { anvil, hub, signerKeys: attesterKeys.slice(0, 2), nextIndex: 0 };
      await send(ctx, () =>
        ctx.anvil.walletClient.writeContract({
          address: hub,
          abi: marginHubAbi,
          functionName: "setVault",
          args: [VAULT_CHAIN_ID, VAULT],
        }),
      );

      const rows: string[] = [];
      let perUpdateAt100 = 0;
      for (const n of [1, 10, 100, 500]) {
        const who = accounts(n, `full-${n}`);
        const first = await submitFull(ctx, leavesFor(who, 1n, 10n));
        const update = await submitFull(ctx, leavesFor(who, 2n, 11n));
        if (n === 100) perUpdateAt100 = Number(update) / n;
        progress(
          `full batch of ${n}: first credit ${fmt(Number(first) / n)}/account, update ${fmt(Number(update) / n)}/account`,
        );
        rows.push(
          `| full batch | ${n} | ${fmt(update)} | **${fmt(Number(update) / n)}** | ${fmt(Number(first) / n)} |`,
        );
      }

      // Lazy mode: one stored root, then one proof per account (100 accounts already credited).
      const lazyWho = accounts(100, "full-100");
      const lazy = await attest(ctx, leavesFor(lazyWho, 3n, 12n));
      const rootGas = await send(ctx, () =>
        ctx.anvil.walletClient.writeContract({
          address: hub,
          abi: marginHubAbi,
          functionName: "submitRoot",
          args: [lazy.packet, lazy.signatures],
        }),
      );
      let leafGas = 0n;
      for (const leaf of leavesFor(lazyWho, 3n, 12n)) {
        leafGas += await send(ctx, () =>
          ctx.anvil.walletClient.writeContract({
            address: hub,
            abi: marginHubAbi,
            functionName: "applyLeaf",
            args: [lazy.guid, leaf, leafProof(lazy.tree, leaf)],
          }),
        );
      }
      const perLeaf = Number(leafGas) / 100;
      progress(`lazy: root ${fmt(rootGas)}, ${fmt(perLeaf)} per applyLeaf`);
      rows.push(
        `| root + single-leaf proofs (tree of 100) | 1 per tx | ${fmt(perLeaf)} per \`applyLeaf\` (+ ${fmt(rootGas)} once for \`submitRoot\`) | **${fmt(perLeaf + Number(rootGas) / 100)}** | — |`,
      );

      // Naive: each account update is its own signed packet and transaction (100 of them).
      let naiveGas = 0n;
      for (const leaf of leavesFor(lazyWho, 4n, 13n)) naiveGas += await submitFull(ctx, [leaf]);
      const perNaive = Number(naiveGas) / 100;
      progress(`naive: ${fmt(perNaive)} per update`);
      rows.push(`| naive: one signed packet per account | 1 | ${fmt(perNaive)} | **${fmt(perNaive)}** | — |`);

      // Route limit: the same 100 accounts' rises of a priced collateral, before and after a limit is set.
      const limited = await routeLimitRows(ctx);
      progress(`route limit: ${fmt(limited.without)} without, ${fmt(limited.with)} with, per update`);
      rows.push(
        `| full batch, priced collateral, no route limit | 100 | ${fmt(limited.without * 100)} | **${fmt(limited.without)}** | — |`,
        `| full batch, priced collateral, route limit on (every leaf a rise) | 100 | ${fmt(limited.with * 100)} | **${fmt(limited.with)}** | — |`,
      );
      const checkCost = `the route limit adds ${fmt(limited.with - limited.without)} gas per update (bucket read and written once per batch, the feed read once per collateral, each rise valued)`;
      const worst = Math.max(perUpdateAt100, limited.with);
      const verdict =
        worst <= TARGET_PER_UPDATE_AT_100
          ? `met: ${fmt(perUpdateAt100)} gas per update at 100 leaves, ${fmt(limited.with)} with a route limit on`
          : `NOT met: ${fmt(perUpdateAt100)} gas per update at 100 leaves, ${fmt(limited.with)} with a route limit on`;
      return [
        "Whole-transaction `gasUsed` (21,000 base + calldata + 2 ecrecovers + multiproof + storage) divided by the",
        "account updates in it, on a real `MarginHub` on anvil. *Update* = an account already credited on this",
        "(chain, token), its slot rewritten (the steady state); *first credit* writes a fresh slot (22,100 gas",
        "for a zero-to-non-zero SSTORE alone). Lazy mode amortises the root over its 100 leaves.",
        "",
        "| mode | account updates per tx | gas per tx | gas per update | first credit, per account |",
        "|---|---|---|---|---|",
        ...rows,
        "",
        `Cost of the damage-limit check: ${checkCost}.`,
        "",
        `Target (≤ ${fmt(TARGET_PER_UPDATE_AT_100)} gas per update at 100 leaves): ${verdict}.`,
      ].join("\n");
    } finally {
      await anvil.stop();
    }
  },
};

/**
 * Gas per update of 100 rises of a registered collateral ($1 feed), without and then with a route
 * limit on the vault chain (capacity far above the rises, so every leaf is paid and applied).
 */
async function routeLimitRows(ctx: Context): Promise<{ without: number; with: number }> {
  const { anvil, hub } = ctx;
  const deploy = await anvil.walletClient.deployContract({
    abi: mockPriceFeedAbi,
    bytecode: mockPriceFeedBytecode,
    args: [8, 100_000_000n, "USD / USD"],
  });
  const feed = (await anvil.publicClient.waitForTransactionReceipt({ hash: deploy })).contractAddress;
  if (feed === null || feed === undefined) throw new Error("the bench feed was not deployed");
  const config = {
    feed,
    heartbeat: 86_400,
    tokenDecimals: 6,
    haircutBps: 200,
    liquidationThresholdBps: 9_900,
    liquidationBonusBps: 200,
    capPerAccount: 0n,
  };
  const owner = (functionName: "setCollateral" | "setRouteLimit", args: readonly unknown[]) =>
    send(ctx, () =>
      anvil.walletClient.writeContract({ address: hub, abi: marginHubAbi, functionName, args } as never),
    );
  await owner("setCollateral", [BigInt(VAULT_CHAIN_ID), PRICED, config]);
  const who = accounts(100, "priced");
  await submitFull(ctx, leavesFor(who, 1n, 20n, PRICED));
  const without = Number(await submitFull(ctx, leavesFor(who, 2n, 21n, PRICED))) / 100;
  await owner("setRouteLimit", [VAULT_CHAIN_ID, 10n ** 27n, 10n ** 24n]);
  const withLimit = Number(await submitFull(ctx, leavesFor(who, 3n, 22n, PRICED))) / 100;
  return { without, with: withLimit };
}
