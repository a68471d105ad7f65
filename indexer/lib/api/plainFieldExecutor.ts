import {
  type ExecutionResult,
  type FieldNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  getArgumentValues,
  getNullableType,
  getVariableValues,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";

/*
 * A faster way to run the common query on fields whose whole answer is plain data, such as
 * `margin(account:)`: graphql-js completes every leaf of the answer through its general machinery
 * (field lookups, paths, promise checks, …), which under load was a fifth of a `margin` request's
 * CPU. For an operation that only selects such fields, the plan below is made once per cached
 * document and copies the selected fields straight out of the resolver's answer. Anything the plan
 * does not cover, and every error, goes to graphql-js, which then answers exactly as it always
 * does (so an error costs its resolver a second call).
 */

/** Marks a query field whose resolver returns plain data: the `extensions` of its field config. */
export const PLAIN_RESULT_EXTENSION = { crossmarginPlainResult: true } as const;

type Leaf = { kind: "leaf"; serialize: (value: unknown) => unknown; nonNull: boolean };
type List = { kind: "list"; item: Shape; nonNull: boolean };
type Obj = { kind: "object"; typeName: string; fields: PlannedField[]; nonNull: boolean };
type Shape = Leaf | List | Obj;
type PlannedField = { responseKey: string; fieldName: string; typename: true } | PlainField;
type PlainField = { responseKey: string; fieldName: string; typename: false; shape: Shape };
type RootField = {
  responseKey: string;
  node: FieldNode;
  field: GraphQLField<unknown, unknown> | undefined;
  shape: Shape | undefined;
};

/** What {@link planPlainFields} makes of an operation it covers. */
export type PlainFieldsPlan = { operation: OperationDefinitionNode; roots: RootField[] };

/** Signals "not covered": graphql-js takes over. */
const FALL_BACK = Symbol("fall back");

/**
 * Plans a query whose root fields are all `__typename` or fields marked with
 * {@link PLAIN_RESULT_EXTENSION}, selected with plain fields only all the way down (no fragments,
 * no directives, no arguments below the root, no field selected twice under one name, no
 * interfaces or unions, no resolvers of their own).
 *
 * @param schema the schema the document was validated against
 * @param operation the validated operation to run
 * @returns the plan, or `undefined` when graphql-js must run the operation
 */
export function planPlainFields(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
): PlainFieldsPlan | undefined {
  const query = schema.getQueryType();
  if (operation.operation !== "query" || query == null || (operation.directives?.length ?? 0) > 0)
    return undefined;
  const roots: RootField[] = [];
  const keys = new Set<string>();
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || (selection.directives?.length ?? 0) > 0) return undefined;
    const responseKey = selection.alias?.value ?? selection.name.value;
    if (keys.has(responseKey)) return undefined;
    keys.add(responseKey);
    if (selection.name.value === "__typename") {
      roots.push({ responseKey, node: selection, field: undefined, shape: undefined });
      continue;
    }
    const field = query.getFields()[selection.name.value];
    if (field?.extensions?.crossmarginPlainResult !== true) return undefined;
    const shape = planShape(field.type, selection.selectionSet);
    if (shape === undefined) return undefined;
    roots.push({ responseKey, node: selection, field, shape });
  }
  return { operation, roots };
}

function planShape(type: GraphQLOutputType, selectionSet: SelectionSetNode | undefined): Shape | undefined {
  const nonNull = isNonNullType(type);
  const inner = getNullableType(type);
  if (isListType(inner)) {
    const item = planShape(inner.ofType, selectionSet);
    return item === undefined ? undefined : { kind: "list", item, nonNull };
  }
  if (isLeafType(inner)) return { kind: "leaf", serialize: (value) => inner.serialize(value), nonNull };
  if (!isObjectType(inner) || selectionSet === undefined) return undefined;
  const fields = planObject(inner, selectionSet);
  return fields === undefined ? undefined : { kind: "object", typeName: inner.name, fields, nonNull };
}

function planObject(type: GraphQLObjectType, selectionSet: SelectionSetNode): PlannedField[] | undefined {
  const fields: PlannedField[] = [];
  const keys = new Set<string>();
  const defined = type.getFields();
  for (const selection of selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || (selection.directives?.length ?? 0) > 0) return undefined;
    if ((selection.arguments?.length ?? 0) > 0) return undefined;
    const responseKey = selection.alias?.value ?? selection.name.value;
    if (keys.has(responseKey)) return undefined;
    keys.add(responseKey);
    const fieldName = selection.name.value;
    if (fieldName === "__typename") {
      fields.push({ responseKey, fieldName, typename: true });
      continue;
    }
    const field = defined[fieldName];
    if (field === undefined || field.resolve !== undefined || field.args.length > 0) return undefined;
    const shape = planShape(field.type, selection.selectionSet);
    if (shape === undefined) return undefined;
    fields.push({ responseKey, fieldName, typename: false, shape });
  }
  return fields;
}

/**
 * Runs a plan: coerces the variables and arguments with graphql-js, calls each root field's
 * resolver once (all at once, as graphql-js runs query fields) and copies the selection out of
 * their answers, serializing leaves with their types.
 *
 * @param schema the schema
 * @param plan from {@link planPlainFields}
 * @param variables the request's variables
 * @param context the request's context
 * @returns the result graphql-js would give, or `undefined` where graphql-js must run the operation
 *   (a variable or argument it rejects, a resolver error, a value a type does not accept)
 */
export async function runPlainFields(
  schema: GraphQLSchema,
  plan: PlainFieldsPlan,
  variables: Record<string, unknown> | undefined,
  context: unknown,
): Promise<ExecutionResult | undefined> {
  const coerced = getVariableValues(schema, plan.operation.variableDefinitions ?? [], variables ?? {});
  if (coerced.errors !== undefined) return undefined;
  const queryType = schema.getQueryType() as GraphQLObjectType; // planned against it
  let answers: unknown[];
  try {
    answers = await Promise.all(
      plan.roots.map((root) => {
        if (root.field === undefined) return queryType.name;
        const args = getArgumentValues(root.field, root.node, coerced.coerced);
        // Plain-result resolvers are documented not to read `info`.
        return root.field.resolve?.(undefined, args, context, undefined as unknown as GraphQLResolveInfo);
      }),
    );
  } catch {
    return undefined;
  }
  const data: Record<string, unknown> = {};
  for (const [i, root] of plan.roots.entries()) {
    if (root.shape === undefined) {
      data[root.responseKey] = answers[i];
      continue;
    }
    const value = complete(root.shape, answers[i]);
    if (value === FALL_BACK) return undefined;
    data[root.responseKey] = value;
  }
  return { data };
}

function complete(shape: Shape, value: unknown): unknown {
  if (value === null || value === undefined) return shape.nonNull ? FALL_BACK : null;
  if (shape.kind === "leaf") {
    try {
      const serialized = shape.serialize(value);
      return serialized === undefined ? FALL_BACK : serialized;
    } catch {
      return FALL_BACK;
    }
  }
  if (shape.kind === "list") {
    if (!Array.isArray(value)) return FALL_BACK;
    const items = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = complete(shape.item, value[i]);
      if (item === FALL_BACK) return FALL_BACK;
      items[i] = item;
    }
    return items;
  }
  if (typeof value !== "object") return FALL_BACK;
  const source = value as Record<string, unknown>; // an object, checked above
  const result: Record<string, unknown> = {};
  for (const field of shape.fields) {
    if (field.typename) {
      result[field.responseKey] = shape.typeName;
      continue;
    }
    const property = source[field.fieldName];
    // graphql-js' default resolver would call a method; plain data has none.
    if (typeof property === "function") return FALL_BACK;
    const completed = complete(field.shape, property);
    if (completed === FALL_BACK) return FALL_BACK;
    result[field.responseKey] = completed;
  }
  return result;
}
