import { Hono } from "hono";

/** The bare baseline serves nothing of its own (Ponder requires an API file; `/ready` and `/metrics` are Ponder's). */
export default new Hono();
