import { db } from "ponder:api";
import schema from "ponder:schema";
import { Hono } from "hono";
import { client, graphql } from "ponder";
import { sqlOverHttpDb } from "../../lib/api/sqlOverHttpDb.js";
import { getAccountMargin } from "./getAccountMargin.js";
import { getMessage } from "./getMessage.js";
import { getRoutes } from "./getRoutes.js";

/*
 * The indexer's HTTP API (beside Ponder's own /health, /ready, /status and /metrics):
 * GraphQL, SQL over HTTP for @ponder/client, and REST for the common reads. indexer/README.md
 * documents every endpoint with an example.
 */
const app = new Hono();

app.use("/graphql", graphql({ db, schema }));
// On PGlite, past the temporary tables Ponder's flush leaves in the one session (see sqlOverHttpDb).
app.use("/sql/*", client({ db: sqlOverHttpDb(db), schema }));
app.get("/accounts/:address/margin", getAccountMargin);
app.get("/messages/:guid", getMessage);
app.get("/routes", getRoutes);

export default app;
