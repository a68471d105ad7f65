import { GraphQLObjectType, GraphQLSchema, GraphQLString, graphql } from "graphql";
import { describe, expect, test } from "vitest";
import { MARGIN_QUERY } from "../../../test/kit/marginQuery.js";
import type { AccountMarginView } from "./accountMarginView.js";
import type { ReadMarginParameters } from "./createMarginReader.js";
import { addQueryFields, marginGraphqlField } from "./marginGraphqlField.js";

const ACCOUNT = "0x976ea74026e726554db657fa54763abd0c3a0aa9";
const TOKEN = "0x5fbdb2315678afecb367f032d93f642f64180aa3";

/** A REST answer with every list filled, typed as the REST answer so no field can be missing. */
const view: AccountMarginView = {
  account: ACCOUNT,
  chainId: null,
  collaterals: [
    {
      chainId: 31338,
      chain: "vault-a",
      token: TOKEN,
      symbol: "USDC",
      registered: true,
      tokenDecimals: 6,
      balance: "2500000000",
      pending: "500000000",
      seq: "3",
      final: true,
      credited: "2000000000",
      creditedSeq: "2",
      uncredited: "500000000",
      price: { feed: "0x00000000000000000000000000000000000000f1", answer: "100000000", decimals: 8 },
      valueUsd: "2500000000000000000000",
      haircutBps: 200,
      adjustedUsd: "2450000000000000000000",
      liquidationThresholdBps: 9900,
      liquidationUsd: "2475000000000000000000",
      creditedValueUsd: "2000000000000000000000",
      creditedAdjustedUsd: "1960000000000000000000",
    },
  ],
  totals: {
    collateralUsd: "2500000000000000000000",
    adjustedUsd: "2450000000000000000000",
    liquidationUsd: "2475000000000000000000",
    initialUsd: "300000000000000000000",
    maintenanceUsd: "150000000000000000000",
    creditedCollateralUsd: "2000000000000000000000",
    creditedAdjustedUsd: "1960000000000000000000",
    creditedLiquidationUsd: "1980000000000000000000",
    uncreditedUsd: "500000000000000000000",
  },
  health: {
    healthFactor: "16500000000000000000",
    healthy: true,
    liquidatable: false,
    creditedHealthFactor: "13200000000000000000",
  },
  chainCount: 1,
  positions: [
    {
      market: "0x00000000000000000000000000000000000000e1",
      symbol: "ETH-PERP",
      size: "-1000000000000000000",
      entryPriceWad: "3000000000000000000000",
      priceWad: "3000000000000000000000",
      debtUsd: "0",
      initialUsd: "300000000000000000000",
      maintenanceUsd: "150000000000000000000",
    },
  ],
  pendingWithdrawals: [
    {
      requestGuid: `0x${"ab".repeat(32)}`,
      chainId: 31338,
      token: TOKEN,
      amount: "500000000",
      status: "requested",
      commandGuid: null,
      requestTimestamp: "1796394160",
    },
  ],
  uncredited: [
    {
      chainId: 31338,
      token: TOKEN,
      symbol: "USDC",
      vaultBalance: "2500000000",
      credited: "2000000000",
      amount: "500000000",
      valueUsd: "500000000000000000000",
    },
  ],
  lastChange: { chainId: 31338, block: "29", timestamp: "1796394160" },
};

const base = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: "Query",
    fields: { ponderField: { type: GraphQLString, resolve: () => "ok" } },
  }),
});

function schemaWith(asked: ReadMarginParameters[]) {
  const readMargin = async (parameters: ReadMarginParameters) => {
    asked.push(parameters);
    return { ...view, chainId: parameters.chainId ?? null };
  };
  return addQueryFields(base, {
    margin: marginGraphqlField({ readMargin, knownChains: new Set([31337, 31338]) }),
  });
}

describe("marginGraphqlField", () => {
  test("margin(account:) with every field selected is the REST answer, field for field", async () => {
    const asked: ReadMarginParameters[] = [];
    const schema = schemaWith(asked);
    const checksummed = "0x976EA74026E726554dB657fA54763abd0C3a0aa9";
    const result = await graphql({ schema, source: MARGIN_QUERY, variableValues: { account: checksummed } });
    expect(result.errors).toBeUndefined();
    expect(result.data?.margin).toEqual(view);
    const filtered = await graphql({
      schema,
      source: MARGIN_QUERY,
      variableValues: { account: ACCOUNT, chainId: 31338 },
    });
    expect(filtered.data?.margin).toEqual({ ...view, chainId: 31338 });
    expect(asked).toEqual([
      { account: ACCOUNT, chainId: undefined },
      { account: ACCOUNT, chainId: 31338 },
    ]);
    // Ponder's own fields stay.
    expect((await graphql({ schema, source: "{ ponderField }" })).data).toEqual({ ponderField: "ok" });
  });

  test("a bad account or an unknown chain is an error naming the argument; nothing is read", async () => {
    const asked: ReadMarginParameters[] = [];
    const schema = schemaWith(asked);
    const cases: [Record<string, unknown>, string, string][] = [
      [
        { account: "nope" },
        "account",
        'account: expected an address (0x + 40 hex digits, valid EIP-55 checksum if mixed case), got "nope"',
      ],
      [{ account: "0x976EA74026E726554dB657fA54763abd0C3a0aA9" }, "account", "valid EIP-55 checksum"],
      [
        { account: ACCOUNT, chainId: 5 },
        "chainId",
        'chainId: unknown chain (expected one of 31337, 31338), got "5"',
      ],
    ];
    for (const [variableValues, parameter, message] of cases) {
      const result = await graphql({ schema, source: MARGIN_QUERY, variableValues });
      expect(result.errors?.[0]?.message).toContain(message);
      expect(result.errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", parameter });
    }
    expect(asked).toEqual([]);
  });
});

describe("addQueryFields", () => {
  test("refuses a field Ponder's schema already has, and a type name it already uses", () => {
    const field = marginGraphqlField({ readMargin: async () => view, knownChains: new Set() });
    expect(() => addQueryFields(base, { ponderField: field })).toThrow("already has a Query.ponderField");
    const clashing = new GraphQLSchema({
      query: new GraphQLObjectType({ name: "Query", fields: { other: { type: GraphQLString } } }),
      types: [new GraphQLObjectType({ name: "MarginView", fields: { x: { type: GraphQLString } } })],
    });
    expect(() => addQueryFields(clashing, { margin: field })).toThrow(/MarginView/);
  });
});
