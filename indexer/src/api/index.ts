import { db } from "ponder:api";
import schema from "ponder:schema";
import { Hono } from "hono";
import { client, graphql } from "ponder";
import { sqlOverHttpDb } from "../../lib/api/sqlOverHttpDb.js";
import { indexerConfig } from "../../lib/indexerConfig.js";
import { solvencySecret } from "../../lib/solvency/solvencySalt.js";
import { getAccountMargin } from "./getAccountMargin.js";
import { getAtRisk } from "./getAtRisk.js";
import { getMessage } from "./getMessage.js";
import { getPriceHistory } from "./getPriceHistory.js";
import { getRoutes } from "./getRoutes.js";
import { solvencyRoutes } from "./getSolvency.js";
import { postStress } from "./postStress.js";
import { streamHealth } from "./streamHealth.js";

/*
 * The indexer's HTTP API on Ponder's own server (beside its /health, /ready, /status and
 * /metrics): GraphQL and SQL over HTTP with Ponder's middleware, REST with plain Hono routes.
 * indexer/README.md documents every endpoint.
 */
const chainNames = new Map([...indexerConfig().chains.values()].map((chain) => [chain.chainId, chain.name]));
// On PGlite, reads skip the temporary tables Ponder's flush leaves in the one session (see sqlOverHttpDb).
const readDb = sqlOverHttpDb(db);
const { hub } = indexerConfig();
const salts = solvencySecret(process.env);
const solvency = solvencyRoutes({
  db: readDb,
  hubChainId: hub.chainId,
  hub: hub.contracts.hub,
  secret: salts.secret,
  saltsSecret: salts.configured,
});

const app = new Hono();

app.use("/graphql", graphql({ db, schema }));
app.use("/sql/*", client({ db: readDb, schema }));
app.get("/accounts/at-risk", getAtRisk(readDb));
app.get("/accounts/:address/margin", getAccountMargin(readDb, chainNames));
app.get("/messages/:guid", getMessage);
app.get("/routes", getRoutes);
app.get("/prices/:feed/history", getPriceHistory(readDb));
app.post("/stress", postStress(readDb, chainNames, hub.contracts.perpMarkets));
app.get("/stream/health", streamHealth(readDb));
app.get("/solvency", solvency.root);
app.get("/solvency/:address", solvency.proof);

export default app;
