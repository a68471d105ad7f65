import {
  execute,
  GraphQLBoolean,
  GraphQLEnumType,
  GraphQLError,
  GraphQLFloat,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  getOperationAST,
  parse,
  validate,
} from "graphql";
import { describe, expect, test } from "vitest";
import { PLAIN_RESULT_EXTENSION, planPlainFields, runPlainFields } from "./plainFieldExecutor.js";

/*
 * The plain-field executor against graphql-js itself: wherever it answers, the answer is the one
 * graphql-js gives (data, key order, aliases, __typename, serialized leaves); wherever it cannot,
 * it says so and graphql-js runs the operation.
 */

const item = new GraphQLObjectType({
  name: "Item",
  fields: { a: { type: new GraphQLNonNull(GraphQLString) }, b: { type: new GraphQLList(GraphQLInt) } },
});
const kind = new GraphQLEnumType({
  name: "Kind",
  values: { LONG: { value: "long" }, SHORT: { value: "short" } },
});
const view = new GraphQLObjectType({
  name: "View",
  fields: {
    name: { type: new GraphQLNonNull(GraphQLString) },
    count: { type: new GraphQLNonNull(GraphQLInt) },
    flag: { type: GraphQLBoolean },
    ratio: { type: GraphQLFloat },
    kind: { type: kind },
    items: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(item))) },
    nested: { type: item },
    maybe: { type: GraphQLString },
    computed: { type: GraphQLString, resolve: () => "computed" },
    withArgs: { type: GraphQLString, args: { x: { type: GraphQLInt } } },
  },
});

/** Plain data by id; "bad" throws, "null" answers null, "wrong" has a count that is not an Int. */
function answer(id: string, n: number | null | undefined) {
  if (id === "bad") throw new GraphQLError("id: bad", { extensions: { parameter: "id" } });
  if (id === "null") return null;
  return {
    name: `view ${id}`,
    count: id === "wrong" ? "not a number" : (n ?? 1),
    flag: n === undefined || n === null ? null : n > 0,
    ratio: 0.5,
    kind: "short",
    items: [
      { a: "x", b: [1, null, 3] },
      { a: "y", b: null },
    ],
    nested: null,
    maybe: undefined,
  };
}

let calls = 0;
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: "Query",
    fields: {
      view: {
        type: new GraphQLNonNull(view),
        args: { id: { type: new GraphQLNonNull(GraphQLString) }, n: { type: GraphQLInt } },
        extensions: PLAIN_RESULT_EXTENSION,
        resolve: async (_source, args: { id: string; n?: number | null }) => {
          calls++;
          return answer(args.id, args.n);
        },
      },
      maybeView: {
        type: view,
        args: { id: { type: new GraphQLNonNull(GraphQLString) } },
        extensions: PLAIN_RESULT_EXTENSION,
        resolve: (_source, args: { id: string }) => answer(args.id, 2),
      },
      unmarked: { type: GraphQLString, resolve: () => "unmarked" },
    },
  }),
  mutation: new GraphQLObjectType({
    name: "Mutation",
    fields: { touch: { type: GraphQLString, extensions: PLAIN_RESULT_EXTENSION, resolve: () => "touched" } },
  }),
});

async function both(query: string, variables?: Record<string, unknown>) {
  const document = parse(query);
  expect(validate(schema, document)).toEqual([]);
  const operation = getOperationAST(document);
  if (operation == null) throw new Error("one operation expected");
  const plan = planPlainFields(schema, operation);
  const plain = plan === undefined ? undefined : await runPlainFields(schema, plan, variables, {});
  const reference = await execute({ schema, document, variableValues: variables, contextValue: {} });
  return { planned: plan !== undefined, plain, reference };
}

describe("plainFieldExecutor", () => {
  test.each([
    [
      "every kind of field",
      `{ view(id: "a", n: 3) { name count flag ratio kind items { a b } nested { a } maybe } }`,
    ],
    [
      "aliases and __typename at every level",
      `{ __typename v: view(id: "a") { t: __typename n: name items { __typename a } } }`,
    ],
    [
      "two root fields, a nullable one answering null",
      `{ one: view(id: "a") { name } none: maybeView(id: "null") { name } }`,
    ],
    [
      "variables, with a default and one left out",
      `query Q($id: String!, $n: Int = 7) { view(id: $id, n: $n) { count flag } }`,
    ],
  ])("answers as graphql-js does: %s", async (_name, query) => {
    const { planned, plain, reference } = await both(query, { id: "b" });
    expect(planned).toBe(true);
    expect(reference.errors).toBeUndefined();
    expect(plain).toEqual(reference);
    // Same key order too: the JSON is the same text.
    expect(JSON.stringify(plain)).toBe(JSON.stringify(reference));
  });

  test.each([
    ["a fragment spread", `{ view(id: "a") { ...F } } fragment F on View { name }`],
    ["an inline fragment", `{ view(id: "a") { ... on View { name } } }`],
    ["a directive", `{ view(id: "a") { name @include(if: true) } }`],
    ["a field with its own resolver", `{ view(id: "a") { computed } }`],
    ["a field with arguments below the root", `{ view(id: "a") { withArgs(x: 1) } }`],
    ["one response key twice", `{ view(id: "a") { name name } }`],
    ["an unmarked root field", `{ unmarked view(id: "a") { name } }`],
    ["a mutation", `mutation { touch }`],
  ])("leaves %s to graphql-js", async (_name, query) => {
    const { planned } = await both(query);
    expect(planned).toBe(false);
  });

  test.each([
    ["a resolver error", `{ view(id: "bad") { name } }`, undefined],
    ["a value its type refuses", `{ view(id: "wrong") { count } }`, undefined],
    ["null for a non-null field", `{ view(id: "null") { name } }`, undefined],
    ["a variable graphql-js refuses", `query Q($n: Int) { view(id: "a", n: $n) { name } }`, { n: "seven" }],
  ])("hands %s back to graphql-js, which answers with the error", async (_name, query, variables) => {
    const { planned, plain, reference } = await both(query, variables);
    expect(planned).toBe(true);
    expect(plain).toBeUndefined();
    expect(reference.errors?.length).toBeGreaterThan(0);
  });

  test("calls each root field's resolver once", async () => {
    calls = 0;
    await both(`{ a: view(id: "a") { name } b: view(id: "b") { name } }`);
    // Two by the plain executor, two by graphql-js for the reference.
    expect(calls).toBe(4);
  });
});
