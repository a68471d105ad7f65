/** Accounts per range: a range's accounts share a home chain and are funded by one `depositToTraders` call. */
export const RANGE = 250;

/** One call of the `BulkDepositor` on a vault chain, over the traders `start` … `start + count − 1`. */
export type VaultOp = {
  /** `depositToTraders`, or `actMany` with `requestWithdrawal`. */
  kind: "deposit" | "withdraw";
  /** A new account, a new row of an existing account, a top-up of an existing row, or a withdrawal request. */
  label: "new account" | "new row" | "top-up" | "withdrawal";
  symbol: string;
  start: number;
  count: number;
  /** Whole tokens per account. */
  units: number;
  /** The accounts are at home on this chain (their first deposits must come first). */
  home: boolean;
};

/** Return type of {@link planWorkload}. */
export type WorkloadPlan = {
  /** Per vault chain (index into the vault chains), its calls in sending order. */
  chains: VaultOp[][];
  /** Accounts per kind of call (`new account`, `new row`, `top-up`, `withdrawal`). */
  accountsPerLabel: Record<string, number>;
  /** Traders `0` … `positions − 1` are credited on the hub and open a perp position. */
  positions: number;
  /** Holders of each collateral symbol once everything is mined. */
  holders: Record<string, number>;
  /** Rows each account ends up with: its (chain, token) pairs (for the hub credits and the checks). */
  rowsOf: (account: number) => { chain: number; symbol: string }[];
};

/** Parameters of {@link planWorkload}. */
export type PlanWorkloadParameters = {
  /** Distinct accounts (a multiple of 500); each deposits the stable token on its home chain. */
  accounts: number;
  /** Vault chains (at least 1). */
  chains: number;
  /** Symbols: `stable` held by every account, `second` by a tenth, `third` by a hundredth. */
  symbols: { stable: string; second: string; third: string };
  /** Batch sizes per transaction. */
  depositsPerTx: number;
  withdrawalsPerTx: number;
};

/**
 * The mixed vault workload, as calls per chain: every account's first deposit (stable token, on
 * its home chain: range `r` lives on chain `r mod chains`), a second token for the first tenth
 * on the next chain (a new row of an existing account), a third token for the first hundredth, a
 * top-up of the stable row for the first fifth, and withdrawal requests (half the stable deposit)
 * by the next fiftieth; positions are opened by the first fiftieth. The later calls are
 * interleaved with the first deposits, each as soon as the accounts it needs exist on its chain.
 *
 * @param parameters accounts, chains, symbols and batch sizes
 * @returns the calls per chain, the position count, the holders per symbol and each account's rows
 */
export function planWorkload(parameters: PlanWorkloadParameters): WorkloadPlan {
  const { accounts, chains, symbols } = parameters;
  if (accounts % 500 !== 0 || accounts === 0)
    throw new Error(`accounts must be a positive multiple of 500, got ${accounts}`);
  const home = (account: number) => Math.floor(account / RANGE) % chains;
  const next = (account: number) => (home(account) + 1) % chains;
  const second = accounts / 10;
  const third = accounts / 100;
  const topUps = accounts / 5;
  const withdrawers = { start: topUps, count: accounts / 50 };
  const first: VaultOp[][] = Array.from({ length: chains }, () => []);
  const later: VaultOp[][] = Array.from({ length: chains }, () => []);
  for (let start = 0; start < accounts; start += RANGE) {
    const chain = home(start);
    const ops = (op: Omit<VaultOp, "start" | "count">, count: number, perTx: number): VaultOp[] =>
      chunk(start, Math.min(RANGE, count), perTx).map(([s, c]) => ({ ...op, start: s, count: c }));
    const deposit = (symbol: string, label: VaultOp["label"], count: number, atHome = true) =>
      ops({ kind: "deposit", label, symbol, units: 1, home: atHome }, count, parameters.depositsPerTx);
    first[chain]!.push(...deposit(symbols.stable, "new account", RANGE));
    if (start < second) later[next(start)]!.push(...deposit(symbols.second, "new row", RANGE, chains === 1));
    if (start < third) later[chain]!.push(...deposit(symbols.third, "new row", third - start));
    if (start < topUps) later[chain]!.push(...deposit(symbols.stable, "top-up", RANGE));
    const end = withdrawers.start + withdrawers.count;
    if (start >= withdrawers.start && start < end) {
      const op = {
        kind: "withdraw",
        label: "withdrawal",
        symbol: symbols.stable,
        units: 0.5,
        home: true,
      } as const;
      later[chain]!.push(...ops(op, end - start, parameters.withdrawalsPerTx));
    }
  }
  const chainOps = first.map((ops, chain) => interleave(ops, later[chain]!));
  const accountsPerLabel: Record<string, number> = {};
  for (const op of chainOps.flat()) accountsPerLabel[op.label] = (accountsPerLabel[op.label] ?? 0) + op.count;
  return {
    chains: chainOps,
    accountsPerLabel,
    positions: accounts / 50,
    holders: { [symbols.stable]: accounts, [symbols.second]: second, [symbols.third]: third },
    rowsOf: (account) => [
      { chain: home(account), symbol: symbols.stable },
      ...(account < second ? [{ chain: next(account), symbol: symbols.second }] : []),
      ...(account < third ? [{ chain: home(account), symbol: symbols.third }] : []),
    ],
  };
}

/**
 * Spreads `later` evenly over `first` (the new accounts, in ascending order), never before the
 * first deposits of the accounts a call needs on this chain (a top-up or a withdrawal).
 */
function interleave(first: VaultOp[], later: VaultOp[]): VaultOp[] {
  const out: VaultOp[] = [];
  let frontier = 0;
  let taken = 0;
  for (const [i, op] of first.entries()) {
    out.push(op);
    frontier = op.start + op.count;
    while (taken < later.length && taken / later.length < (i + 1) / first.length) {
      const candidate = later[taken]!;
      if (candidate.home && candidate.start + candidate.count > frontier) break;
      out.push(candidate);
      taken += 1;
    }
  }
  return [...out, ...later.slice(taken)];
}

function chunk(start: number, count: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let done = 0; done < count; done += size) out.push([start + done, Math.min(size, count - done)]);
  return out;
}
