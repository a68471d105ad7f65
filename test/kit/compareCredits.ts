import type { Address } from "viem";
import { collateralVaultAbi, marginHubAbi } from "../../shared/abis/generated.js";
import type { ChainClients } from "./chainClients.js";
import type { PlannedDeposit } from "./depositForMany.js";

/** A (balance, seq) pair. */
export type BalanceSeq = { balance: bigint; seq: bigint };

/** One (account, chain, token) whose hub credit, vault state and deposits do not all agree. */
export type CreditMismatch = {
  chainId: number;
  account: Address;
  token: Address;
  /** What the deposits add up to: their sum, and one seq per deposit. */
  expected: BalanceSeq;
  vault: BalanceSeq;
  hub: BalanceSeq;
};

/** Per (chain, token): sums over every account. */
export type CreditTotals = { expected: bigint; vault: bigint; hub: bigint };

/** Return type of {@link compareCredits}. */
export type CompareCreditsReturnType = {
  /** Distinct (account, chain, token) keys compared. */
  keys: number;
  mismatches: CreditMismatch[];
  /** Keyed `<chainId>:<token>`. */
  totals: Map<string, CreditTotals>;
};

/**
 * Compares, for every (account, chain, token) the deposits touched, three figures that must agree
 * once the relayer has caught up: the deposits' sum and count, the vault's `accountState`
 * (balance, seq) and the hub's `creditedBalance` (balance, seq).
 *
 * @param parameters the hub's clients, the vault chains' clients, the deposits made
 * @returns the mismatches (empty when everything was credited exactly once) and the totals
 */
export async function compareCredits(parameters: {
  hub: ChainClients;
  chains: readonly ChainClients[];
  deposits: readonly PlannedDeposit[];
}): Promise<CompareCreditsReturnType> {
  const expected = new Map<string, CreditMismatch>();
  for (const d of parameters.deposits) {
    const key = `${d.chainId}:${d.account}:${d.token}`;
    const entry = expected.get(key) ?? {
      chainId: d.chainId,
      account: d.account,
      token: d.token,
      expected: { balance: 0n, seq: 0n },
      vault: { balance: 0n, seq: 0n },
      hub: { balance: 0n, seq: 0n },
    };
    entry.expected.balance += d.amount;
    entry.expected.seq += 1n;
    expected.set(key, entry);
  }
  const hub = parameters.hub;
  const entries = [...expected.values()];
  await Promise.all(
    entries.map(async (entry) => {
      const chain = parameters.chains.find((c) => c.chain.chainId === entry.chainId);
      if (chain === undefined) throw new Error(`no clients for chain ${entry.chainId}`);
      const [[balance, , seq], [credited, creditedSeq]] = await Promise.all([
        chain.publicClient.readContract({
          address: chain.chain.contracts.vault,
          abi: collateralVaultAbi,
          functionName: "accountState",
          args: [entry.account, entry.token],
        }),
        hub.publicClient.readContract({
          address: hub.chain.contracts.hub as Address, // the hub chain's config always has the hub
          abi: marginHubAbi,
          functionName: "creditedBalance",
          args: [entry.account, BigInt(entry.chainId), entry.token],
        }),
      ]);
      entry.vault = { balance, seq: BigInt(seq) };
      entry.hub = { balance: credited, seq: BigInt(creditedSeq) };
    }),
  );
  const totals = new Map<string, CreditTotals>();
  for (const entry of entries) {
    const key = `${entry.chainId}:${entry.token}`;
    const total = totals.get(key) ?? { expected: 0n, vault: 0n, hub: 0n };
    total.expected += entry.expected.balance;
    total.vault += entry.vault.balance;
    total.hub += entry.hub.balance;
    totals.set(key, total);
  }
  const agrees = (a: BalanceSeq, b: BalanceSeq) => a.balance === b.balance && a.seq === b.seq;
  return {
    keys: entries.length,
    mismatches: entries.filter((e) => !agrees(e.expected, e.vault) || !agrees(e.vault, e.hub)),
    totals,
  };
}
