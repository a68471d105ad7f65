import type { Address, Hex } from "viem";
import { describe, expect, test } from "vitest";
import { checkLedger, type KeyFacts, keyOf, type MixedFacts, type MixedLedger } from "./mixedLedger.js";

// checkLedger on hand-built facts: the checks the money-out chaos tests and the soak rely on must
// see a double release, a double seize, a double credit and work left undone.
const A = "0x00000000000000000000000000000000000000a1" as Address;
const B = "0x00000000000000000000000000000000000000b2" as Address;
const USDC = "0x00000000000000000000000000000000000000c3" as Address;
const LIQUIDATOR = "0x00000000000000000000000000000000000000d4" as Address;
const guid = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hex;

const ledger: MixedLedger = {
  deposits: [
    { chainId: 1, account: A, token: USDC, amount: 100n, seq: 1n, blockNumber: 5n },
    { chainId: 1, account: B, token: USDC, amount: 500n, seq: 1n, blockNumber: 5n },
    { chainId: 2, account: B, token: USDC, amount: 600n, seq: 1n, blockNumber: 5n },
  ],
  requests: [{ chainId: 1, account: A, token: USDC, amount: 40n, guid: guid(1), expect: "approved" }],
  liquidations: [
    {
      account: B,
      seizes: [
        { guid: guid(10), nonce: 2n, chainId: 1, token: USDC, amount: 50n, recipient: LIQUIDATOR },
        { guid: guid(11), nonce: 1n, chainId: 2, token: USDC, amount: 70n, recipient: LIQUIDATOR },
      ],
    },
  ],
};

const key = (balance: bigint, seq: bigint, wallet = 0n): KeyFacts => ({
  vault: { balance, pending: 0n, seq },
  credit: { balance, seq },
  outstanding: 0n,
  wallet,
  creditedSeqs: Array.from({ length: Number(seq) }, (_, i) => BigInt(i + 1)),
});

/** The facts of everything done exactly once. */
function exactlyOnce(): MixedFacts {
  return {
    received: new Map([[guid(1), 1]]),
    decisions: new Map([[guid(1), [{ approved: true, commandGuid: guid(2) }]]]),
    commandNonces: new Map([
      [guid(2), 1n],
      [guid(10), 2n],
      [guid(11), 1n],
    ]),
    applied: new Map([
      [`1:${guid(2)}`, 1],
      [`1:${guid(10)}`, 1],
      [`2:${guid(11)}`, 1],
    ]),
    releases: new Map([["1:1", [{ account: A, token: USDC, amount: 40n }]]]),
    rejections: new Map(),
    seized: new Map([
      ["1:2", [{ account: B, token: USDC, recipient: LIQUIDATOR, amount: 50n }]],
      ["2:1", [{ account: B, token: USDC, recipient: LIQUIDATOR, amount: 70n }]],
    ]),
    keys: new Map([
      [keyOf(1, A, USDC), key(60n, 3n, 40n)],
      [keyOf(1, B, USDC), key(450n, 2n)],
      [keyOf(2, B, USDC), key(530n, 2n)],
    ]),
  };
}

describe("checkLedger", () => {
  test("everything done exactly once: no violation", () => {
    expect(checkLedger(ledger, exactlyOnce())).toEqual([]);
  });

  test("an approval released twice (the trader got the amount twice): doubled", () => {
    const facts = exactlyOnce();
    facts.releases.set("1:1", [
      { account: A, token: USDC, amount: 40n },
      { account: A, token: USDC, amount: 40n },
    ]);
    facts.keys.set(keyOf(1, A, USDC), key(20n, 4n, 80n));
    const kinds = checkLedger(ledger, facts).map((v) => v.kind);
    expect(kinds).toEqual(["doubled", "doubled", "doubled"]);
  });

  test("a second release to the trader under another command: the wallet and vault show it", () => {
    const facts = exactlyOnce();
    facts.keys.set(keyOf(1, A, USDC), key(20n, 4n, 80n));
    expect(checkLedger(ledger, facts)).toEqual([
      expect.objectContaining({ kind: "doubled", what: expect.stringContaining("the trader holds 80") }),
      expect.objectContaining({ kind: "doubled", what: expect.stringContaining("the vault holds 20") }),
    ]);
  });

  test("a rejection not applied yet (its amount still pending on the vault): unresolved, not doubled", () => {
    const facts = exactlyOnce();
    facts.keys.set(keyOf(1, A, USDC), {
      ...key(60n, 3n, 40n),
      vault: { balance: 20n, pending: 40n, seq: 3n },
    });
    expect(checkLedger(ledger, facts).map((v) => v.kind)).toEqual(["unresolved", "unresolved"]);
  });

  test("a SEIZE applied twice: doubled", () => {
    const facts = exactlyOnce();
    facts.applied.set(`2:${guid(11)}`, 2);
    expect(checkLedger(ledger, facts).map((v) => v.kind)).toEqual(["doubled"]);
  });

  test("a seq credited twice on the hub: doubled", () => {
    const facts = exactlyOnce();
    facts.keys.set(keyOf(2, B, USDC), { ...key(530n, 2n), creditedSeqs: [1n, 2n, 2n] });
    expect(checkLedger(ledger, facts).map((v) => v.kind)).toEqual(["doubled"]);
  });

  test("a rejection credits its amount back at the request's seq: one repeat per rejection, no more", () => {
    const rejected: MixedLedger = {
      ...ledger,
      requests: [],
      deposits: ledger.deposits.slice(1),
      liquidations: [],
    };
    const facts = exactlyOnce();
    facts.keys.set(keyOf(1, B, USDC), { ...key(500n, 2n), creditedSeqs: [1n, 2n, 2n] });
    facts.keys.set(keyOf(2, B, USDC), key(600n, 1n));
    const withRejection = {
      ...rejected,
      requests: [
        { chainId: 1, account: B, token: USDC, amount: 9n, guid: guid(3), expect: "rejected" as const },
      ],
    };
    expect(checkLedger(rejected, facts).map((v) => v.kind)).toEqual(["doubled"]);
    expect(checkLedger(withRejection, facts).filter((v) => v.kind === "doubled")).toEqual([]);
  });

  test("a request never decided and a SEIZE never applied: unresolved", () => {
    const facts = exactlyOnce();
    facts.decisions.delete(guid(1));
    facts.applied.delete(`1:${guid(10)}`);
    facts.seized.delete("1:2");
    facts.keys.set(keyOf(1, A, USDC), { ...key(60n, 2n), vault: { balance: 60n, pending: 40n, seq: 2n } });
    facts.keys.set(keyOf(1, B, USDC), key(500n, 1n));
    const violations = checkLedger(ledger, facts);
    expect(violations.map((v) => v.kind)).toEqual([
      "unresolved",
      "unresolved",
      "unresolved",
      "unresolved",
      "unresolved",
    ]);
  });

  test("a rejection the hub approved: wrong", () => {
    const rejected: MixedLedger = {
      ...ledger,
      requests: [{ ...ledger.requests[0], expect: "rejected" } as MixedLedger["requests"][number]],
    };
    expect(checkLedger(rejected, exactlyOnce())).toContainEqual(expect.objectContaining({ kind: "wrong" }));
  });
});
