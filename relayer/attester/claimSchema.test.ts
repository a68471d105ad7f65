import { describe, expect, test } from "vitest";
import { parseClaim } from "./claimSchema.js";

const GUID = `0x${"ab".repeat(32)}`;
const ADDRESS = `0x${"12".repeat(20)}`;
const leaf = {
  chainId: "31338",
  vault: ADDRESS,
  account: ADDRESS,
  token: ADDRESS,
  balance: "1000000",
  seq: "2",
  inboundNonce: "0",
  sourceBlock: "17",
};
const batch = {
  kind: "balance_batch",
  srcChainId: 31338,
  dstChainId: 31337,
  packet: "0x01",
  guid: GUID,
  leaves: [leaf],
};
const request = {
  kind: "withdrawal_request",
  srcChainId: 31338,
  dstChainId: 31337,
  packet: "0x0102",
  guid: GUID,
  nonce: "1",
  sourceBlock: "17",
};

describe("parseClaim", () => {
  test("accepts both claim shapes", () => {
    expect(parseClaim(batch)).toEqual({ ok: true, claim: batch });
    expect(parseClaim(request)).toEqual({ ok: true, claim: request });
    const withTx = { ...request, sourceTxHash: GUID };
    expect(parseClaim(withTx)).toEqual({ ok: true, claim: withTx });
  });

  test("names every wrong field", () => {
    const result = parseClaim({ ...batch, leaves: [leaf, { ...leaf, balance: 5, token: "0x12" }] });
    expect(result).toEqual({
      ok: false,
      issues: [
        { path: "leaves.1.token", message: "expected an address (0x + 40 hex digits)" },
        { path: "leaves.1.balance", message: "expected balance as a decimal string" },
      ],
    });
    const issues = (body: unknown) => {
      const parsed = parseClaim(body);
      return parsed.ok ? [] : parsed.issues.map((issue) => issue.path);
    };
    expect(issues({ ...request, kind: "steal" })).toEqual(["kind"]);
    expect(issues({ ...request, nonce: "01", srcChainId: 0, packet: "0x1" })).toEqual([
      "srcChainId",
      "packet",
      "nonce",
    ]);
    expect(issues({ ...batch, leaves: [] })).toEqual(["leaves"]);
    expect(issues({ ...request, guid: "0x12" })).toEqual(["guid"]);
    expect(issues([batch])).toEqual([""]);
    expect(issues("claim")).toEqual([""]);
  });
});
