import { type GraphQLObjectType, getNamedType, isObjectType } from "graphql";
import { marginViewType } from "../../indexer/lib/api/marginGraphqlField.js";

/**
 * The selection of every field of an object type, nested objects included (the types must not
 * recurse).
 *
 * @param type a GraphQL object type
 * @returns e.g. `{ a b { c } }`
 */
export function fullSelection(type: GraphQLObjectType): string {
  const fields = Object.values(type.getFields()).map((field) => {
    const named = getNamedType(field.type);
    return isObjectType(named) ? `${field.name} ${fullSelection(named)}` : field.name;
  });
  return `{ ${fields.join(" ")} }`;
}

/**
 * The GraphQL twin of `GET /accounts/:address/margin[?chainId=]`: `margin(account:, chainId:)`
 * with every field of `MarginView` selected, so its `data.margin` is the REST answer.
 */
export const MARGIN_QUERY = `query Margin($account: String!, $chainId: Int) { margin(account: $account, chainId: $chainId) ${fullSelection(marginViewType)} }`;
