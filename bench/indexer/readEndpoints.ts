import { MARGIN_QUERY } from "../../test/kit/indexerApi.js";
import type { EndpointSpec } from "./loadTypes.js";

/**
 * The same data through Ponder's generated table fields: the account's aggregate, vault
 * balances, hub credits, positions and withdrawals, plus the collateral configs, prices and perp
 * markets a client needs to value them itself (one SQL query per list and relation, 8 here).
 */
const PONDER_TABLES_QUERY = `query Margin($account: String!) {
  accountMargin(account: $account) {
    account collateralUsd adjustedUsd liquidationUsd initialUsd maintenanceUsd healthFactor healthy liquidatable
    creditedCollateralUsd creditedAdjustedUsd creditedLiquidationUsd creditedHealthFactor uncreditedUsd chainCount
    balances { items { chainId token balance pending seq inboundNonce final } }
    credits { items { chainId token balance seq } }
    positions { items { account size entryPriceWad debtUsd status } }
    withdrawals { items { requestGuid chainId token amount status } }
  }
  collaterals { items { chainId token symbol feed feedDecimals tokenDecimals haircutBps liquidationThresholdBps capPerAccount } }
  prices { items { feed answer decimals updatedAt } }
  perpMarkets { items { address feed feedDecimals initialMarginBps maintenanceMarginBps } }
}`;

/** Only the stored aggregate row, for comparison: what a client that needs just the totals asks for. */
const ROW_QUERY = `query Row($account: String!) {
  accountMargin(account: $account) { account collateralUsd adjustedUsd healthFactor healthy liquidatable }
}`;

const graphql = (query: string) =>
  JSON.stringify({ query: query.replace(/\s+/g, " "), variables: { account: "{account}" } });

/** REST margin endpoint. */
export const REST_MARGIN: EndpointSpec = {
  name: "REST `GET /accounts/:address/margin`",
  path: "/accounts/{account}/margin",
};

/** The equivalent GraphQL query: `margin(account:)` with every field, i.e. the REST answer. */
export const GRAPHQL_MARGIN: EndpointSpec = {
  name: "GraphQL `margin(account:)`, every field (the REST answer)",
  path: "/graphql",
  body: graphql(MARGIN_QUERY),
  failIfIncludes: '"errors"',
};

/**
 * The REST read answered by Ponder's Hono stack instead of the node route in front of it: the
 * node route leaves a target with a percent-encoded query to Hono (which decodes it), and the
 * route ignores the parameter. Same answer, same reader.
 */
export const REST_MARGIN_VIA_HONO: EndpointSpec = {
  name: "REST `GET /accounts/:address/margin?via=%68ono`",
  path: "/accounts/{account}/margin?via=%68ono",
};

/** The GraphQL read answered by Hono: the node route leaves a `/graphql` target with a query string to it. */
export const GRAPHQL_MARGIN_VIA_HONO: EndpointSpec = {
  ...GRAPHQL_MARGIN,
  name: "GraphQL `margin(account:)` at `/graphql?via=hono`",
  path: "/graphql?via=hono",
};

/** The rows behind the answer through Ponder's table fields. */
export const GRAPHQL_TABLES: EndpointSpec = {
  name: "GraphQL, Ponder's table fields (aggregate + balances, credits, positions, withdrawals, collaterals, prices, markets)",
  path: "/graphql",
  body: graphql(PONDER_TABLES_QUERY),
  failIfIncludes: '"errors"',
};

/** GraphQL for the aggregate row alone. */
export const GRAPHQL_ROW: EndpointSpec = {
  name: "GraphQL, aggregate row only (`accountMargin` scalars)",
  path: "/graphql",
  body: graphql(ROW_QUERY),
  failIfIncludes: '"errors"',
};
