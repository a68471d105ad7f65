import { describe, expect, test } from "vitest";
import { messageView } from "./messageView.js";
import { parseAddress, parseChainFilter, parseGuid } from "./parseRequest.js";
import { configuredRoutes, routesView } from "./routesView.js";

describe("parseRequest", () => {
  test("addresses: any case in, lowercase out; a 400 names the parameter", () => {
    expect(parseAddress("0x976EA74026E726554dB657fA54763abd0C3a0aa9", "address")).toEqual({
      ok: true,
      value: "0x976ea74026e726554db657fa54763abd0c3a0aa9",
    });
    expect(parseAddress("nope", "address")).toMatchObject({ ok: false, bad: { parameter: "address" } });
    // A mixed-case address with a wrong checksum.
    expect(parseAddress("0x976EA74026E726554dB657fA54763abd0C3a0aA9", "address").ok).toBe(false);
  });

  test("guids and chain filters", () => {
    expect(parseGuid(`0x${"AB".repeat(32)}`, "guid")).toEqual({ ok: true, value: `0x${"ab".repeat(32)}` });
    expect(parseGuid("0x12", "guid")).toMatchObject({ ok: false, bad: { parameter: "guid" } });
    const known = new Set([31337, 31338]);
    expect(parseChainFilter(undefined, "chainId", known)).toEqual({ ok: true, value: undefined });
    expect(parseChainFilter("31338", "chainId", known)).toEqual({ ok: true, value: 31338 });
    const unknown = parseChainFilter("5", "chainId", known);
    expect(unknown).toMatchObject({ ok: false, bad: { parameter: "chainId" } });
    expect(!unknown.ok && unknown.bad.error).toContain("31337, 31338");
    expect(parseChainFilter("01", "chainId", known).ok).toBe(false);
  });
});

describe("routesView", () => {
  test("every configured route, in flight, oldest age and last delivery", () => {
    const paths = configuredRoutes(1, [1, 2]);
    expect(paths).toEqual([
      { srcEid: 1, dstEid: 1 },
      { srcEid: 2, dstEid: 1 },
      { srcEid: 1, dstEid: 2 },
    ]);
    const view = routesView({
      paths: configuredRoutes(1, [2]),
      counts: [
        { route: "2->1", status: "observed", count: 2, oldestSourceTimestamp: 900n },
        { route: "2->1", status: "delivered", count: 5, oldestSourceTimestamp: 100n },
      ],
      lastDelivered: [
        {
          route: "2->1",
          guid: "0xaa",
          kind: "withdrawal_request",
          destinationTimestamp: 950n,
          destinationTxHash: "0xbb",
          latencySeconds: 3n,
        },
      ],
      now: 1_000n,
    });
    expect(view.routes).toEqual([
      {
        route: "1->2",
        srcEid: 1,
        dstEid: 2,
        inFlight: 0,
        oldestInFlightAgeSeconds: null,
        delivered: 0,
        lastDelivered: null,
      },
      {
        route: "2->1",
        srcEid: 2,
        dstEid: 1,
        inFlight: 2,
        oldestInFlightAgeSeconds: 100,
        delivered: 5,
        lastDelivered: {
          guid: "0xaa",
          kind: "withdrawal_request",
          timestamp: "950",
          txHash: "0xbb",
          latencySeconds: 3,
        },
      },
    ]);
  });
});

describe("messageView", () => {
  test("bigints as strings, age while in flight", () => {
    const view = messageView(
      {
        guid: "0x01",
        kind: "withdrawal_request",
        srcEid: 2,
        dstEid: 1,
        route: "2->1",
        nonce: 1n,
        status: "observed",
        sender: null,
        receiver: null,
        account: null,
        token: null,
        amount: 10n,
        appliedAmount: null,
        requestGuid: null,
        packet: "0x",
        sourceTxHash: "0x02",
        sourceBlock: 7n,
        sourceTimestamp: 990n,
        destinationTxHash: null,
        destinationBlock: null,
        destinationTimestamp: null,
        latencySeconds: null,
      },
      1_000n,
      false,
    );
    expect(view).toMatchObject({
      nonce: "1",
      amount: "10",
      ageSeconds: 10,
      source: { block: "7", final: false },
    });
  });
});
