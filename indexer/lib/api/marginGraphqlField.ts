import {
  GraphQLBoolean,
  GraphQLError,
  type GraphQLFieldConfig,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  type GraphQLOutputType,
  GraphQLSchema,
  GraphQLString,
} from "graphql";
import type { AccountMarginView } from "./accountMarginView.js";
import type { ReadMargin } from "./createMarginReader.js";
import { type Parsed, parseAddress, parseChainFilter } from "./parseRequest.js";
import { PLAIN_RESULT_EXTENSION } from "./plainFieldExecutor.js";

type FieldTypes = Record<string, GraphQLOutputType>;

const nonNull = (type: GraphQLOutputType) => new GraphQLNonNull(type);
const list = (type: GraphQLOutputType) => nonNull(new GraphQLList(nonNull(type)));
const S = nonNull(GraphQLString);
const I = nonNull(GraphQLInt);
const B = nonNull(GraphQLBoolean);

/** An object type whose fields are read straight off the REST answer's properties. */
function objectType(name: string, description: string, fields: FieldTypes): GraphQLObjectType {
  return new GraphQLObjectType({
    name,
    description,
    fields: () => Object.fromEntries(Object.entries(fields).map(([key, type]) => [key, { type }])),
  });
}

const price = objectType("MarginPrice", "The feed answer a collateral is valued with.", {
  feed: GraphQLString,
  answer: S,
  decimals: I,
});

const collateral = objectType(
  "MarginCollateral",
  "One (chain, token) of the account: raw amounts, price, value, haircut and adjusted value. Amounts are decimal strings; USD has 18 decimals.",
  {
    chainId: I,
    chain: GraphQLString,
    token: S,
    symbol: GraphQLString,
    registered: B,
    tokenDecimals: I,
    balance: S,
    pending: S,
    seq: S,
    final: B,
    credited: S,
    creditedSeq: GraphQLString,
    uncredited: S,
    price: nonNull(price),
    valueUsd: S,
    haircutBps: I,
    adjustedUsd: S,
    liquidationThresholdBps: I,
    liquidationUsd: S,
    creditedValueUsd: S,
    creditedAdjustedUsd: S,
  },
);

/** Decimal-string fields. */
const strings = (names: string[]): FieldTypes => Object.fromEntries(names.map((name) => [name, S]));

const totals = objectType(
  "MarginTotals",
  "USD totals (18 decimals) over the vault balances and over the hub's credits.",
  strings([
    "collateralUsd",
    "adjustedUsd",
    "liquidationUsd",
    "initialUsd",
    "maintenanceUsd",
    "creditedCollateralUsd",
    "creditedAdjustedUsd",
    "creditedLiquidationUsd",
    "uncreditedUsd",
  ]),
);

const health = objectType("MarginHealth", "Health factors (1e18 = at the maintenance line).", {
  healthFactor: S,
  healthy: B,
  liquidatable: B,
  creditedHealthFactor: S,
});

const position = objectType("MarginPosition", "A perp position and its margin requirement.", {
  market: S,
  symbol: GraphQLString,
  ...strings(["size", "entryPriceWad", "priceWad", "debtUsd", "initialUsd", "maintenanceUsd"]),
});

const withdrawal = objectType("MarginWithdrawal", "A withdrawal not yet settled at its vault.", {
  requestGuid: S,
  chainId: I,
  token: S,
  amount: S,
  status: S,
  commandGuid: GraphQLString,
  requestTimestamp: GraphQLString,
});

const uncredited = objectType("MarginUncredited", "What a vault holds that the hub has not credited yet.", {
  chainId: I,
  token: S,
  symbol: GraphQLString,
  vaultBalance: S,
  credited: S,
  amount: S,
  valueUsd: S,
});

const lastChange = objectType("MarginLastChange", "The event that last changed the stored aggregate.", {
  chainId: I,
  block: S,
  timestamp: S,
});

/** The GraphQL type of `GET /accounts/:address/margin`'s answer, field for field. */
export const marginViewType = objectType(
  "MarginView",
  "An account's cross-chain margin: the answer of GET /accounts/:address/margin, field for field.",
  {
    account: S,
    chainId: GraphQLInt,
    collaterals: list(collateral),
    totals: nonNull(totals),
    health: nonNull(health),
    chainCount: I,
    positions: list(position),
    pendingWithdrawals: list(withdrawal),
    uncredited: list(uncredited),
    lastChange: lastChange,
  },
);

/** Parameters of {@link marginGraphqlField}. */
export type MarginGraphqlFieldParameters = {
  readMargin: ReadMargin;
  /** The configured chain ids (`chainId` must be one). */
  knownChains: ReadonlySet<number>;
};

/**
 * The `margin(account: String!, chainId: Int): MarginView!` query field: the same answer as
 * `GET /accounts/:address/margin`, from the same one-statement reader. A bad argument is a
 * GraphQL error naming it (`extensions.parameter`, `code: "BAD_USER_INPUT"`).
 *
 * @param parameters the margin reader and the configured chains
 * @returns the field config
 */
export function marginGraphqlField(
  parameters: MarginGraphqlFieldParameters,
): GraphQLFieldConfig<unknown, unknown, { account: string; chainId?: number | null }> {
  return {
    type: nonNull(marginViewType),
    // Plain data, and the resolver does not read `info`: served by plainFieldExecutor.
    extensions: PLAIN_RESULT_EXTENSION,
    description:
      "An account's cross-chain margin per chain and token, totals, health, positions, pending withdrawals and uncredited holdings (the answer of GET /accounts/:address/margin). chainId keeps one chain's lines; the totals stay account-wide.",
    args: {
      account: {
        type: new GraphQLNonNull(GraphQLString),
        description: "0x + 40 hex digits (any case; EIP-55 checked when mixed)",
      },
      chainId: { type: GraphQLInt, description: "only this configured chain's lines" },
    },
    resolve: async (_source, args): Promise<AccountMarginView> => {
      const account = orThrow(parseAddress(args.account, "account"));
      const chainId = orThrow(
        parseChainFilter(
          args.chainId === undefined || args.chainId === null ? undefined : String(args.chainId),
          "chainId",
          parameters.knownChains,
        ),
      );
      return parameters.readMargin({ account, chainId });
    },
  };
}

/**
 * Ponder's GraphQL schema with extra query fields beside its own (one per table, one per table
 * plural, `_meta`).
 *
 * @param schema Ponder's schema
 * @param fields the fields to add to `Query`
 * @returns a new schema
 * @throws when a field or a type name is already Ponder's (GraphQLSchema refuses duplicate type names)
 */
export function addQueryFields(
  schema: GraphQLSchema,
  fields: Record<string, GraphQLFieldConfig<unknown, unknown>>,
): GraphQLSchema {
  const query = schema.getQueryType();
  if (query === null || query === undefined)
    throw new Error("indexer GraphQL: Ponder's schema has no Query type");
  const config = query.toConfig();
  for (const name of Object.keys(fields))
    if (name in config.fields)
      throw new Error(`indexer GraphQL: Ponder's schema already has a Query.${name}`);
  const extended = new GraphQLObjectType({ ...config, fields: { ...config.fields, ...fields } });
  const { types, ...rest } = schema.toConfig();
  // GraphQLSchema refuses two types of one name, so an added type cannot shadow one of Ponder's.
  return new GraphQLSchema({ ...rest, query: extended, types: types.filter((type) => type !== query) });
}

function orThrow<T>(parsed: Parsed<T>): T {
  if (parsed.ok) return parsed.value;
  throw new GraphQLError(`${parsed.bad.parameter}: ${parsed.bad.error}`, {
    extensions: { code: "BAD_USER_INPUT", parameter: parsed.bad.parameter },
  });
}
