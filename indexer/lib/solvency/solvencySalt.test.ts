import type { Address, Hex } from "viem";
import { describe, expect, test } from "vitest";
import { ConfigError } from "../../../shared/errors/BaseError.js";
import { SumTreeRangeError } from "../../../shared/solvency/errors.js";
import { sumTreeProof } from "../../../shared/solvency/sumTreeProof.js";
import { verifySumProof } from "../../../shared/solvency/verifySumProof.js";
import { type SolvencyHead, SolvencyValueError, solvencyTree } from "../api/solvencyView.js";
import { SOLVENCY_SECRET_ENV, solvencySalt, solvencySecret } from "./solvencySalt.js";

const head: SolvencyHead = {
  chainId: 31337,
  hub: `0x${"ab".repeat(20)}`,
  number: 100n,
  hash: `0x${"cd".repeat(32)}`,
  timestamp: 1n,
};
const account = (i: number) => `0x${String(i).repeat(40)}` as Address; // 40 hex digits
const SECRET: Hex = `0x${"5a".repeat(32)}`;

describe("solvencySecret / solvencySalt", () => {
  test("unset or empty: 32 zero bytes, marked not configured; set: lowercased", () => {
    expect(solvencySecret({})).toEqual({ secret: `0x${"00".repeat(32)}`, configured: false });
    expect(solvencySecret({ [SOLVENCY_SECRET_ENV]: "" }).configured).toBe(false);
    expect(solvencySecret({ [SOLVENCY_SECRET_ENV]: SECRET.toUpperCase().replace("0X", "0x") })).toEqual({
      secret: SECRET,
      configured: true,
    });
  });

  test("a malformed secret stops the API with the variable's name", () => {
    expect(() => solvencySecret({ [SOLVENCY_SECRET_ENV]: "0x1234" })).toThrow(ConfigError);
    expect(() => solvencySecret({ [SOLVENCY_SECRET_ENV]: "0x1234" })).toThrow(
      `${SOLVENCY_SECRET_ENV}: expected 32 bytes of hex (0x + 64 hex digits)`,
    );
  });

  test("salts differ per secret, account and block", () => {
    const salt = solvencySalt({ secret: SECRET, account: account(1), block: 100n });
    const others = [
      solvencySalt({ secret: `0x${"00".repeat(32)}`, account: account(1), block: 100n }),
      solvencySalt({ secret: SECRET, account: account(2), block: 100n }),
      solvencySalt({ secret: SECRET, account: account(1), block: 101n }),
    ];
    expect(new Set([salt, ...others]).size).toBe(4);
  });
});

describe("solvencyTree", () => {
  test("salts every leaf from the secret at the head's block; every proof verifies", () => {
    const rows = [1, 2, 3].map((i) => ({ account: account(i), value: BigInt(i) * 10n ** 18n }));
    const tree = solvencyTree({ rows, head, secret: SECRET });
    expect(tree.root.sum).toBe(6n * 10n ** 18n);
    for (const { account: a } of rows) {
      const proof = sumTreeProof(tree, a)!;
      expect(proof.salt).toBe(solvencySalt({ secret: SECRET, account: a, block: head.number }));
      expect(verifySumProof(proof).ok).toBe(true);
    }
  });

  test("a value beyond uint256 (null from the views) or a total beyond it is refused", () => {
    expect(() =>
      solvencyTree({ rows: [{ account: account(1), value: null }], head, secret: SECRET }),
    ).toThrow(SolvencyValueError);
    const max = 2n ** 256n - 1n;
    expect(() =>
      solvencyTree({
        rows: [
          { account: account(1), value: max },
          { account: account(2), value: 1n },
        ],
        head,
        secret: SECRET,
      }),
    ).toThrow(SumTreeRangeError);
  });
});
