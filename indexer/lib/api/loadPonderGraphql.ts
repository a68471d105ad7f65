import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { GraphQLSchema } from "graphql";

/**
 * The Ponder release whose internal GraphQL schema builder this file reaches into. `package.json`
 * pins it exactly; a different one is refused at start-up with what to do.
 */
export const PONDER_GRAPHQL_VERSION = "0.16.10";

/** What {@link loadPonderGraphql} returns: Ponder's own pieces of its `graphql()` middleware. */
export type PonderGraphql = {
  /** Ponder's GraphQL schema of `ponder.schema.ts`, with its resolvers. */
  schema: GraphQLSchema;
  /** The per-request context Ponder's resolvers expect (`qb` plus a fresh DataLoader cache). */
  context: () => unknown;
  /** Ponder's GraphiQL page. */
  graphiqlHtml: string;
};

type GraphqlModule = {
  buildGraphQLSchema: (parameters: { schema: unknown }) => GraphQLSchema;
  buildDataLoaderCache: (qb: unknown) => unknown;
};

/**
 * Loads Ponder's GraphQL schema builder, DataLoader cache and GraphiQL page, which Ponder 0.16
 * does not export (its `graphql()` middleware is the only way in, and that middleware turns off
 * graphql-yoga's parse and validation cache). They come from the installed `ponder` package's
 * `dist/esm/graphql/` files, and the database from `globalThis.PONDER_DATABASE`, exactly as
 * Ponder's middleware gets them, so the schema, its resolvers and their SQL are Ponder's own.
 *
 * @param schema the Ponder schema (`ponder:schema`)
 * @param from where to look for `node_modules/ponder` from (default: this file; tests point elsewhere)
 * @returns the GraphQL schema, the context factory and GraphiQL's page
 * @throws when run outside a Ponder project or against a Ponder release other than {@link PONDER_GRAPHQL_VERSION}
 */
export async function loadPonderGraphql(
  schema: object,
  from: string = fileURLToPath(import.meta.url),
): Promise<PonderGraphql> {
  const directory = ponderDirectory(from);
  const version = (JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as { version?: unknown })
    .version;
  if (version !== PONDER_GRAPHQL_VERSION)
    throw new Error(
      `indexer GraphQL: built against ponder ${PONDER_GRAPHQL_VERSION}'s internal GraphQL builder, found ponder ${String(version)} in ${directory}; install ponder@${PONDER_GRAPHQL_VERSION} or port indexer/lib/api/loadPonderGraphql.ts`,
    );
  const load = (file: string) => import(pathToFileURL(join(directory, "dist/esm/graphql", file)).href);
  const [graphqlModule, htmlModule] = (await Promise.all([load("index.js"), load("graphiql.html.js")])) as [
    Partial<GraphqlModule>,
    { graphiQLHtml?: unknown },
  ]; // checked member by member below
  const { buildGraphQLSchema, buildDataLoaderCache } = graphqlModule;
  if (typeof buildGraphQLSchema !== "function" || typeof buildDataLoaderCache !== "function")
    throw new Error(
      `indexer GraphQL: ponder ${version} has no buildGraphQLSchema/buildDataLoaderCache in dist/esm/graphql/index.js`,
    );
  if (typeof htmlModule.graphiQLHtml !== "string")
    throw new Error(
      `indexer GraphQL: ponder ${version} has no graphiQLHtml in dist/esm/graphql/graphiql.html.js`,
    );
  const qb = readonlyQueryBuilder();
  return {
    schema: buildGraphQLSchema({ schema }),
    context: () => ({ qb, getDataLoader: buildDataLoaderCache(qb) }),
    graphiqlHtml: htmlModule.graphiQLHtml,
  };
}

/** Ponder's read-only query builder, which its `graphql()` middleware reads from the same global. */
function readonlyQueryBuilder(): unknown {
  const database = (globalThis as { PONDER_DATABASE?: { readonlyQB?: unknown } }).PONDER_DATABASE; // set by Ponder's build before the API loads
  if (database?.readonlyQB === undefined)
    throw new Error(
      "indexer GraphQL: no Ponder database (globalThis.PONDER_DATABASE): run inside `ponder start`",
    );
  return database.readonlyQB;
}

/** The installed `ponder` package's directory: the first `node_modules/ponder` up from `from`. */
function ponderDirectory(from: string): string {
  for (let directory = dirname(from); ; directory = dirname(directory)) {
    const candidate = join(directory, "node_modules", "ponder");
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(directory) === directory)
      throw new Error(`indexer GraphQL: no node_modules/ponder above ${from}`);
  }
}
