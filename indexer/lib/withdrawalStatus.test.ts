import { describe, expect, test } from "vitest";
import { advanceWithdrawalStatus, parseWithdrawalStatus } from "./withdrawalStatus.js";

describe("advanceWithdrawalStatus", () => {
  test("moves forward whatever order the chains are indexed in, never back", () => {
    expect(advanceWithdrawalStatus(undefined, "approved")).toBe("approved");
    expect(advanceWithdrawalStatus("requested", "approved")).toBe("approved");
    expect(advanceWithdrawalStatus("approved", "requested")).toBe("approved");
    expect(advanceWithdrawalStatus("approved", "released")).toBe("released");
    expect(advanceWithdrawalStatus("released", "requested")).toBe("released");
    expect(advanceWithdrawalStatus("rejected", "requested")).toBe("rejected");
    expect(advanceWithdrawalStatus("rejected", "rejected")).toBe("rejected");
  });

  test("parses only the states the indexer writes", () => {
    expect(parseWithdrawalStatus("released")).toBe("released");
    expect(() => parseWithdrawalStatus("toString")).toThrow(/unknown withdrawal status/);
  });
});
