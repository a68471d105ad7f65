import { describe, expect, it } from "vitest";
import { PRICE_HISTORY_DEFAULT_LIMIT, parsePriceHistory } from "./parsePriceHistory.js";

const FEED = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

describe("parsePriceHistory", () => {
  it("defaults since to 0 and limit to 1000, lowercases the feed", () => {
    expect(parsePriceHistory({ feed: FEED })).toEqual({
      ok: true,
      value: { feed: FEED.toLowerCase(), since: 0n, limit: PRICE_HISTORY_DEFAULT_LIMIT },
    });
    expect(parsePriceHistory({ feed: FEED, since: "1700000000", limit: "10000" })).toEqual({
      ok: true,
      value: { feed: FEED.toLowerCase(), since: 1_700_000_000n, limit: 10_000 },
    });
  });

  it("names the parameter it refuses", () => {
    const refused = (raw: Parameters<typeof parsePriceHistory>[0]) => {
      const r = parsePriceHistory(raw);
      return r.ok ? undefined : r.bad;
    };
    expect(refused({ feed: "nope" })?.parameter).toBe("feed");
    expect(refused({ feed: FEED, since: "-1" })).toEqual({
      error: 'expected whole unix seconds (a non-negative integer), got "-1"',
      parameter: "since",
    });
    expect(refused({ feed: FEED, since: "1.5" })?.parameter).toBe("since");
    expect(refused({ feed: FEED, limit: "0" })).toEqual({
      error: 'expected an integer from 1 to 10000, got "0"',
      parameter: "limit",
    });
    expect(refused({ feed: FEED, limit: "10001" })?.parameter).toBe("limit");
    expect(refused({ feed: FEED, limit: "ten" })?.parameter).toBe("limit");
  });
});
