import { db } from "ponder:api";
import schema from "ponder:schema";
import { Hono } from "hono";
import { client } from "ponder";
import {
  createGraphqlExecutor,
  graphqlHonoHandler,
  graphqlNodeRoute,
} from "../../lib/api/createGraphqlHandler.js";
import { createMarginReader } from "../../lib/api/createMarginReader.js";
import { loadPonderGraphql } from "../../lib/api/loadPonderGraphql.js";
import { addQueryFields, marginGraphqlField } from "../../lib/api/marginGraphqlField.js";
import { serveBeforeHono } from "../../lib/api/nodeRoutes.js";
import { sqlOverHttpDb } from "../../lib/api/sqlOverHttpDb.js";
import { indexerConfig } from "../../lib/indexerConfig.js";
import { vacuumAfterPonderBackfill } from "../../lib/vacuumAfterBackfill.js";
import { ACCOUNT_MARGIN_PATH, accountMarginNodeRoute, getAccountMargin } from "./getAccountMargin.js";
import { getMessage } from "./getMessage.js";
import { getRoutes } from "./getRoutes.js";

/*
 * The indexer's HTTP API (beside Ponder's own /health, /ready, /status and /metrics):
 * GraphQL, SQL over HTTP for @ponder/client, and REST for the common reads. indexer/README.md
 * documents every endpoint with an example.
 */
const chains = [...indexerConfig().chains.values()];
const knownChains = new Set(chains.map((chain) => chain.chainId));
const readMargin = createMarginReader(db, new Map(chains.map((chain) => [chain.chainId, chain.name])));

// Ponder's schema and resolvers, plus `margin(account:)`, served with a parse and validation
// cache (Ponder's own graphql() middleware turns it off; see lib/api/loadPonderGraphql.ts).
const ponderGraphql = await loadPonderGraphql(schema);
const executeGraphql = createGraphqlExecutor({
  schema: addQueryFields(ponderGraphql.schema, { margin: marginGraphqlField({ readMargin, knownChains }) }),
  context: ponderGraphql.context,
  maskErrors: process.env.NODE_ENV === "production",
});

const app = new Hono();

app.use("/graphql", graphqlHonoHandler(executeGraphql, ponderGraphql.graphiqlHtml));
// On PGlite, past the temporary tables Ponder's flush leaves in the one session (see sqlOverHttpDb).
app.use("/sql/*", client({ db: sqlOverHttpDb(db), schema }));
app.get(ACCOUNT_MARGIN_PATH, getAccountMargin(readMargin, knownChains));
app.get("/messages/:guid", getMessage);
app.get("/routes", getRoutes);

// The two hot reads are answered on node's request and response before Ponder's Hono stack
// (its adapter and middleware cost more than the routes; see lib/api/nodeRoutes.ts). Hono keeps
// every route above and answers whatever these do not take.
serveBeforeHono([accountMarginNodeRoute(readMargin, knownChains), graphqlNodeRoute(executeGraphql)]);

// On Postgres, VACUUM (ANALYZE) the tables once the backfill has ended: Ponder bulk-loads them
// without statistics or hint bits, and the first reads would pay for both (lib/vacuumAfterBackfill.ts).
void vacuumAfterPonderBackfill(indexerConfig().config.databaseUrl);

export default app;
