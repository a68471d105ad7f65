import type { Address, Hex } from "viem";

/** One deposit the mixed workload made (paid by its payer with `depositFor`). */
export type LedgerDeposit = {
  chainId: number;
  account: Address;
  token: Address;
  amount: bigint;
  /** The vault's seq for the key after this deposit. */
  seq: bigint;
  blockNumber: bigint;
};

/** One withdrawal request and the decision the hub must make. */
export type LedgerRequest = {
  chainId: number;
  account: Address;
  token: Address;
  amount: bigint;
  /** The request packet's guid (`WithdrawalRequested.guid`). */
  guid: Hex;
  expect: "approved" | "rejected";
};

/** One SEIZE command the hub ordered in a liquidation. */
export type LedgerSeize = {
  /** The command packet's guid (`SeizeOrdered.guid` = `PacketSent.guid`). */
  guid: Hex;
  /** Its nonce on the hub → vault path. */
  nonce: bigint;
  chainId: number;
  token: Address;
  amount: bigint;
  recipient: Address;
};

/** What the workload did: everything `checkLedger` holds the chains to. */
export type MixedLedger = {
  deposits: LedgerDeposit[];
  requests: LedgerRequest[];
  liquidations: { account: Address; seizes: LedgerSeize[] }[];
};

/** One (chain, account, token) as the vault and the hub hold it. */
export type KeyFacts = {
  vault: { balance: bigint; pending: bigint; seq: bigint };
  credit: { balance: bigint; seq: bigint };
  outstanding: bigint;
  /** The account's own wallet balance of the token on that chain (the payer paid every deposit). */
  wallet: bigint;
  /** Seqs of every `BalanceCredited` the hub emitted for the key, oldest first. */
  creditedSeqs: bigint[];
};

/** The on-chain facts `checkLedger` compares with the ledger (see `readMixedFacts`). */
export type MixedFacts = {
  /** Hub `WithdrawalRequestReceived` per request guid. */
  received: Map<Hex, number>;
  /** Hub `WithdrawalDecided` per request guid. */
  decisions: Map<Hex, { approved: boolean; commandGuid: Hex }[]>;
  /** Nonce of every hub `PacketSent`, per guid. */
  commandNonces: Map<Hex, bigint>;
  /** Vault `CommandApplied` per `<chainId>:<guid>`. */
  applied: Map<string, number>;
  /** Vault `WithdrawalReleased` per `<chainId>:<commandNonce>`. */
  releases: Map<string, { account: Address; token: Address; amount: bigint }[]>;
  /** Vault `WithdrawalRejected` per `<chainId>:<commandNonce>`. */
  rejections: Map<string, number>;
  /** Vault `Seized` per `<chainId>:<commandNonce>`. */
  seized: Map<string, { account: Address; token: Address; recipient: Address; amount: bigint }[]>;
  /** Per `<chainId>:<account>:<token>` of every key the ledger touched. */
  keys: Map<string, KeyFacts>;
};

/** Something that breaks exactly-once: work not done (yet), done twice, or done wrong. */
export type Violation = { kind: "unresolved" | "doubled" | "wrong"; what: string };

/** The key of a (chain, account, token). */
export const keyOf = (chainId: number, account: Address, token: Address) => `${chainId}:${account}:${token}`;

/**
 * Holds the chains to the ledger: every request received and decided once on the hub as expected
 * and its command applied once on the vault (tokens released once, for approved ones only); every
 * SEIZE applied once for the ordered amount; every wallet holds exactly its approved sum; every
 * vault holds deposits − releases − seizes, and the hub credits exactly that at the vault's seq,
 * each seq credited once.
 *
 * @param ledger what the workload did
 * @param facts what the chains say (`readMixedFacts`)
 * @returns every violation (empty when everything happened exactly once)
 */
export function checkLedger(ledger: MixedLedger, facts: MixedFacts): Violation[] {
  const violations: Violation[] = [];
  const expectedVault = new Map<string, bigint>();
  const expectedWallet = new Map<string, bigint>();
  const add = (map: Map<string, bigint>, key: string, amount: bigint) =>
    map.set(key, (map.get(key) ?? 0n) + amount);
  const rejections = new Map<string, bigint>();
  for (const d of ledger.deposits) add(expectedVault, keyOf(d.chainId, d.account, d.token), d.amount);
  for (const request of ledger.requests) {
    violations.push(...checkRequest(request, facts));
    const key = keyOf(request.chainId, request.account, request.token);
    if (request.expect === "rejected") add(rejections, key, 1n);
    if (request.expect === "approved") {
      add(expectedVault, key, -request.amount);
      add(expectedWallet, key, request.amount);
    }
  }
  for (const { account, seizes } of ledger.liquidations) {
    if (new Set(seizes.map((s) => s.chainId)).size < 2)
      violations.push({ kind: "wrong", what: `liquidation of ${account} seized on fewer than two chains` });
    for (const seize of seizes) {
      violations.push(...checkSeize(account, seize, facts));
      add(expectedVault, keyOf(seize.chainId, account, seize.token), -seize.amount);
    }
  }
  for (const [key, balance] of expectedVault)
    violations.push(
      ...checkKey(
        key,
        { vault: balance, wallet: expectedWallet.get(key) ?? 0n, rejections: rejections.get(key) ?? 0n },
        facts,
      ),
    );
  return violations;
}

function checkRequest(request: LedgerRequest, facts: MixedFacts): Violation[] {
  const what = `request ${request.guid} (${request.amount} on ${request.chainId}, ${request.expect})`;
  const received = facts.received.get(request.guid) ?? 0;
  const decisions = facts.decisions.get(request.guid) ?? [];
  const [decision] = decisions;
  if (received > 1 || decisions.length > 1)
    return [{ kind: "doubled", what: `${what}: received ${received}×, decided ${decisions.length}×` }];
  if (decision === undefined) return [{ kind: "unresolved", what: `${what}: not decided on the hub` }];
  if (decision.approved !== (request.expect === "approved"))
    return [{ kind: "wrong", what: `${what}: the hub decided approved=${decision.approved}` }];
  const nonce = facts.commandNonces.get(decision.commandGuid);
  if (nonce === undefined) return [{ kind: "wrong", what: `${what}: the hub sent no command packet` }];
  const applied = facts.applied.get(`${request.chainId}:${decision.commandGuid}`) ?? 0;
  const at = `${request.chainId}:${nonce}`;
  const releases = facts.releases.get(at) ?? [];
  const rejections = facts.rejections.get(at) ?? 0;
  if (applied > 1 || releases.length > 1 || rejections > 1)
    return [
      {
        kind: "doubled",
        what: `${what}: applied ${applied}×, released ${releases.length}×, returned ${rejections}×`,
      },
    ];
  if (applied === 0) return [{ kind: "unresolved", what: `${what}: decision not applied on the vault` }];
  const released = releases[0];
  if (request.expect === "rejected")
    return released === undefined && rejections === 1
      ? []
      : [{ kind: "wrong", what: `${what}: the vault released tokens for a rejection` }];
  if (released === undefined || rejections !== 0)
    return [{ kind: "wrong", what: `${what}: the vault applied the approval without a release` }];
  if (
    released.account !== request.account ||
    released.token !== request.token ||
    released.amount !== request.amount
  )
    return [{ kind: "wrong", what: `${what}: released ${released.amount} to ${released.account}` }];
  return [];
}

function checkSeize(account: Address, seize: LedgerSeize, facts: MixedFacts): Violation[] {
  const what = `SEIZE ${seize.guid} of ${account} (${seize.amount} on ${seize.chainId})`;
  const applied = facts.applied.get(`${seize.chainId}:${seize.guid}`) ?? 0;
  const seized = facts.seized.get(`${seize.chainId}:${seize.nonce}`) ?? [];
  if (applied > 1 || seized.length > 1)
    return [{ kind: "doubled", what: `${what}: applied ${applied}×, seized ${seized.length}×` }];
  const [event] = seized;
  if (applied === 0 || event === undefined) return [{ kind: "unresolved", what: `${what}: not applied` }];
  if (
    event.account !== account ||
    event.token !== seize.token ||
    event.recipient !== seize.recipient ||
    event.amount !== seize.amount
  )
    return [{ kind: "wrong", what: `${what}: the vault seized ${event.amount} to ${event.recipient}` }];
  return [];
}

function checkKey(
  key: string,
  expectations: { vault: bigint; wallet: bigint; rejections: bigint },
  facts: MixedFacts,
): Violation[] {
  const { vault: expected, wallet: expectedWallet } = expectations;
  const state = facts.keys.get(key);
  if (state === undefined) return [{ kind: "unresolved", what: `${key}: not read` }];
  const violations: Violation[] = [];
  // More out of a wallet or a vault than the ledger allows is a double; less is work not done.
  if (state.wallet !== expectedWallet)
    violations.push({
      kind: state.wallet > expectedWallet ? "doubled" : "unresolved",
      what: `${key}: the trader holds ${state.wallet}, approved ${expectedWallet}`,
    });
  // A request still pending holds its amount in `pending`: only less than expected in both is a double.
  if (state.vault.balance !== expected || state.vault.pending !== 0n)
    violations.push({
      kind: state.vault.balance + state.vault.pending < expected ? "doubled" : "unresolved",
      what: `${key}: the vault holds ${state.vault.balance} (+${state.vault.pending} pending), expected ${expected}`,
    });
  const synced =
    state.credit.balance === state.vault.balance &&
    state.credit.seq === state.vault.seq &&
    state.outstanding === 0n;
  if (!synced)
    violations.push({
      kind: "unresolved",
      what: `${key}: the hub credits ${state.credit.balance} at seq ${state.credit.seq} (outstanding ${state.outstanding}), the vault holds ${state.vault.balance} at seq ${state.vault.seq}`,
    });
  // Seqs rise; a rejection credits its amount back at the request's seq (a second event at that
  // seq), so each rejection allows one repeat and nothing else does.
  const seqs = state.creditedSeqs;
  const repeats = seqs.filter((seq, i) => i > 0 && seq === seqs[i - 1]).length;
  if (seqs.some((seq, i) => i > 0 && seq < (seqs[i - 1] ?? 0n)) || BigInt(repeats) > expectations.rejections)
    violations.push({ kind: "doubled", what: `${key}: the hub credited seqs ${seqs.join(",")}` });
  return violations;
}
