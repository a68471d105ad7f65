import type { db } from "ponder:api";

/** The API's read-only database (`ponder:api`'s `db`, or its PGlite-safe twin from `sqlOverHttpDb`). */
export type ReadDb = typeof db;
