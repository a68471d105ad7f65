import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import {
  type DocumentNode,
  type ExecutionResult,
  execute,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  getOperationAST,
  type OperationDefinitionNode,
  parse,
  specifiedRules,
  type ValidationRule,
  validate,
} from "graphql";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { readBodyText, sendJson } from "./nodeHttp.js";
import { type NodeRoute, readIncomingText } from "./nodeRoutes.js";
import { type PlainFieldsPlan, planPlainFields, runPlainFields } from "./plainFieldExecutor.js";

/** Limits on one operation (Ponder's defaults, which are Apollo's). */
export type GraphqlLimits = {
  /** Most lexer tokens in the document. */
  maxTokens: number;
  /** Deepest selection nesting. */
  maxDepth: number;
  /** Most aliases in one operation. */
  maxAliases: number;
};

/** Parameters of {@link createGraphqlHandler}. */
export type CreateGraphqlHandlerParameters = {
  schema: GraphQLSchema;
  /** A fresh context per request (Ponder's resolvers keep a per-request DataLoader cache in it). */
  context: () => unknown;
  /** The page a browser gets on `GET` (GraphiQL). */
  graphiqlHtml: string;
  limits?: Partial<GraphqlLimits>;
  /** Documents kept parsed and validated, least recently used dropped first. */
  cacheSize?: number;
  /** Replace the message of an unexpected resolver error (not a `GraphQLError`) with "Unexpected error.". */
  maskErrors?: boolean;
};

/** Ponder 0.16's limits (`graphql()` middleware defaults). */
export const DEFAULT_GRAPHQL_LIMITS: GraphqlLimits = { maxTokens: 1_000, maxDepth: 100, maxAliases: 30 };
const DEFAULT_CACHE_SIZE = 1_000;
/** Longer query strings are parsed and validated every time instead of being kept as cache keys. */
const MAX_CACHED_QUERY_LENGTH = 16_384;
/** Larger request bodies are refused (413). */
export const MAX_GRAPHQL_BODY_BYTES = 1_048_576;

type RequestBody = {
  query: string;
  variables: Record<string, unknown> | undefined;
  operationName: string | undefined;
};

/** An answer of {@link createGraphqlExecutor}: the HTTP status and the JSON body. */
export type GraphqlAnswer = { status: ContentfulStatusCode; body: unknown };

/**
 * Runs one GraphQL-over-HTTP request body: `text` is the `POST` body (`undefined`: it was over
 * {@link MAX_GRAPHQL_BODY_BYTES}).
 */
export type GraphqlExecutor = (text: string | undefined) => Promise<GraphqlAnswer>;

/**
 * Runs GraphQL `POST` bodies `{ query, variables?, operationName? }` and answers `{ data, errors? }`
 * with status 200 (GraphQL errors included, as Ponder's `graphql()` answers). Each distinct query
 * string is parsed and validated once (with the token, depth and alias limits) and kept in a
 * bounded LRU cache, so a repeated query costs only its execution. A body that is not a GraphQL
 * request gets 400 naming the field, one over the size limit 413.
 *
 * @param parameters the schema, the per-request context, limits, cache size, masking
 * @returns the executor, for {@link graphqlHonoHandler} and {@link graphqlNodeRoute}
 */
export function createGraphqlExecutor(
  parameters: Omit<CreateGraphqlHandlerParameters, "graphiqlHtml">,
): GraphqlExecutor {
  const { schema, context } = parameters;
  const prepare = createDocumentCache({
    schema,
    limits: { ...DEFAULT_GRAPHQL_LIMITS, ...parameters.limits },
    cacheSize: parameters.cacheSize ?? DEFAULT_CACHE_SIZE,
  });
  const ok = (body: unknown): GraphqlAnswer => ({ status: 200, body });
  return async (text) => {
    if (text === undefined)
      return { status: 413, body: requestError(`the body is over ${MAX_GRAPHQL_BODY_BYTES} bytes`) };
    const body = readBody(text);
    if ("error" in body) return { status: 400, body: requestError(body.error) };
    const prepared = prepare(body.query);
    if ("errors" in prepared) return ok({ errors: prepared.errors });
    const operation = getOperationAST(prepared.document, body.operationName);
    if (!operation)
      return ok(
        requestError(
          body.operationName === undefined
            ? "the document has several operations: name one with operationName"
            : `operationName: no operation named ${JSON.stringify(body.operationName)} in the document`,
        ),
      );
    if (operation.operation !== "query")
      return ok(requestError(`only queries are served, got a ${operation.operation}`));
    const contextValue = context();
    const plan = plainFieldsPlan(schema, prepared, operation);
    const result =
      (plan === undefined ? undefined : await runPlainFields(schema, plan, body.variables, contextValue)) ??
      (await execute({
        schema,
        document: prepared.document,
        variableValues: body.variables,
        operationName: body.operationName,
        contextValue,
      }));
    return ok(formatResult(result, parameters.maskErrors === true));
  };
}

/**
 * A GraphQL-over-HTTP handler for Hono: `POST` runs the body through
 * {@link createGraphqlExecutor}, `GET` gets GraphiQL, any other method 405.
 *
 * @param parameters the schema, the per-request context, GraphiQL's page, limits, cache size, masking
 * @returns the Hono handler
 * @example
 * app.use("/graphql", createGraphqlHandler({ schema, context: () => ({}), graphiqlHtml }));
 */
export function createGraphqlHandler(parameters: CreateGraphqlHandlerParameters) {
  return graphqlHonoHandler(createGraphqlExecutor(parameters), parameters.graphiqlHtml);
}

/**
 * The Hono handler around an executor (see {@link createGraphqlHandler}).
 *
 * @param executeGraphql the executor
 * @param graphiqlHtml the page a browser gets on `GET`
 * @returns the Hono handler
 */
export function graphqlHonoHandler(executeGraphql: GraphqlExecutor, graphiqlHtml: string) {
  return async (c: Context) => {
    if (c.req.method === "GET") return c.html(graphiqlHtml);
    if (c.req.method !== "POST")
      return c.json(requestError(`method ${c.req.method} not allowed: POST a query, GET for GraphiQL`), 405, {
        Allow: "GET, POST",
      });
    const answer = await executeGraphql(await readBodyText(c, MAX_GRAPHQL_BODY_BYTES));
    return sendJson(c, answer.body, answer.status);
  };
}

/**
 * `POST /graphql` served before Hono (see `serveBeforeHono`): the same executor, the same answers.
 * Other methods, and a target with a query string, are left to Hono.
 *
 * @param executeGraphql the executor the Hono handler uses too
 * @returns the node route
 */
export function graphqlNodeRoute(executeGraphql: GraphqlExecutor): NodeRoute {
  return {
    path: GRAPHQL_PATH,
    match: (request) =>
      request.method === "POST" && request.url === GRAPHQL_PATH
        ? async () => executeGraphql(await readIncomingText(request, MAX_GRAPHQL_BODY_BYTES))
        : undefined,
  };
}

const GRAPHQL_PATH = "/graphql";

/** Parameters of {@link createDocumentCache}. */
export type CreateDocumentCacheParameters = {
  schema: GraphQLSchema;
  limits: GraphqlLimits;
  /** Entries kept; the least recently used is dropped first (0 keeps nothing). */
  cacheSize: number;
};

/**
 * A parsed and validated document, with the plain-field plans of its operations as they are
 * asked for (`null`: graphql-js runs it), or the errors that stopped it.
 */
export type PreparedDocument =
  | { document: DocumentNode; plans: Map<OperationDefinitionNode, PlainFieldsPlan | null> }
  | { errors: readonly GraphQLFormattedError[] };

/**
 * Parses and validates query strings (spec rules plus the depth and alias limits; the token
 * limit bounds the parser), keeping the outcome — document or errors — per query string in a
 * bounded LRU cache. Query strings over 16 KiB are prepared every time rather than kept as keys.
 *
 * @param parameters the schema, the limits and the cache size
 * @returns `prepare(query)`: the same object for a query string while it stays cached
 */
export function createDocumentCache(
  parameters: CreateDocumentCacheParameters,
): (query: string) => PreparedDocument {
  const { schema, limits, cacheSize } = parameters;
  // graphql-armor's rules are typed against its own copy of graphql (16.15); they only walk the
  // document and read fragments through the context, which this copy's ValidationContext has.
  const armor = [
    maxDepthRule({ n: limits.maxDepth, ignoreIntrospection: false }),
    maxAliasesRule({ n: limits.maxAliases, allowList: [] }),
  ] as unknown as ValidationRule[];
  const rules = [...specifiedRules, ...armor];
  const cache = new Map<string, PreparedDocument>();
  return (query) => {
    const cached = cache.get(query);
    if (cached !== undefined) {
      // Map keeps insertion order: re-inserting marks the entry as the most recently used.
      cache.delete(query);
      cache.set(query, cached);
      return cached;
    }
    const prepared = parseAndValidate(schema, query, limits.maxTokens, rules);
    if (query.length <= MAX_CACHED_QUERY_LENGTH && cacheSize > 0) {
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string); // size ≥ 1: a key exists
      cache.set(query, prepared);
    }
    return prepared;
  };
}

function parseAndValidate(
  schema: GraphQLSchema,
  query: string,
  maxTokens: number,
  rules: readonly ValidationRule[],
): PreparedDocument {
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens });
  } catch (error) {
    return { errors: [formatError(error)] };
  }
  try {
    const errors = validate(schema, document, rules);
    return errors.length > 0 ? { errors: errors.map((e) => e.toJSON()) } : { document, plans: new Map() };
  } catch (error) {
    // The depth and alias rules throw their rejection instead of reporting it.
    return { errors: [formatError(error)] };
  }
}

/** The operation's plain-field plan (`plainFieldExecutor`), made once and kept with the document. */
function plainFieldsPlan(
  schema: GraphQLSchema,
  prepared: Extract<PreparedDocument, { document: DocumentNode }>,
  operation: OperationDefinitionNode,
): PlainFieldsPlan | undefined {
  let plan = prepared.plans.get(operation);
  if (plan === undefined) {
    plan = planPlainFields(schema, operation) ?? null;
    prepared.plans.set(operation, plan);
  }
  return plan ?? undefined;
}

/** Parses and checks the JSON body of a GraphQL request; an error names the field. */
function readBody(text: string): RequestBody | { error: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { error: 'the body is not JSON: expected {"query": "…", "variables": {…}}' };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return {
      error: 'the body must be a JSON object {"query": "…", "variables": {…}} (batches are not served)',
    };
  const { query, variables, operationName } = body as Record<string, unknown>; // an object, checked above
  if (typeof query !== "string" || query.trim() === "")
    return { error: `query: expected the GraphQL document as a non-empty string, got ${describe(query)}` };
  if (
    variables !== undefined &&
    variables !== null &&
    (typeof variables !== "object" || Array.isArray(variables))
  )
    return { error: `variables: expected an object, got ${describe(variables)}` };
  if (operationName !== undefined && operationName !== null && typeof operationName !== "string")
    return { error: `operationName: expected a string, got ${describe(operationName)}` };
  return {
    query,
    variables: (variables ?? undefined) as Record<string, unknown> | undefined, // an object or absent, checked above
    operationName: operationName ?? undefined,
  };
}

function formatResult(result: ExecutionResult, mask: boolean) {
  if (result.errors === undefined || result.errors.length === 0) return { data: result.data };
  const errors = result.errors.map((error) =>
    mask && !(error.originalError === undefined || error.originalError instanceof GraphQLError)
      ? { ...error.toJSON(), message: "Unexpected error." }
      : error.toJSON(),
  );
  return { errors, data: result.data };
}

function formatError(error: unknown): GraphQLFormattedError {
  if (error instanceof GraphQLError) return error.toJSON();
  return { message: error instanceof Error ? error.message : String(error) };
}

function requestError(message: string) {
  return { errors: [{ message }] };
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
