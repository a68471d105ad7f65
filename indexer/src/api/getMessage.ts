import { db } from "ponder:api";
import { relayMessage } from "ponder:schema";
import type { Context } from "hono";
import { eq } from "ponder";
import { messageView } from "../../lib/api/messageView.js";
import { parseGuid } from "../../lib/api/parseRequest.js";

/**
 * `GET /messages/:guid`: one relay message with its source and destination (404 when unknown,
 * 400 naming `guid` when it is not 0x + 64 hex digits).
 *
 * @param c the Hono context
 * @returns the JSON answer
 */
export async function getMessage(c: Context) {
  const guid = parseGuid(c.req.param("guid"), "guid");
  if (!guid.ok) return c.json(guid.bad, 400);
  const [row] = await db.select().from(relayMessage).where(eq(relayMessage.guid, guid.value));
  if (row === undefined)
    return c.json({ error: `no message with guid ${guid.value}`, parameter: "guid" }, 404);
  return c.json(messageView(row, nowSeconds()));
}

/**
 * Wall-clock time in seconds (message ages are measured against it).
 *
 * @returns now
 */
export function nowSeconds(): bigint {
  return BigInt(Math.floor(Date.now() / 1000));
}
