import { db, publicClients } from "ponder:api";
import { relayMessage } from "ponder:schema";
import type { Context } from "hono";
import { eq } from "ponder";
import { isFinal } from "../../../shared/chains/finality.js";
import { messageView } from "../../lib/api/messageView.js";
import { parseGuid } from "../../lib/api/parseRequest.js";
import { indexerConfig } from "../../lib/indexerConfig.js";

/**
 * `GET /messages/:guid`: one relay message with its source and destination (404 when unknown,
 * 400 naming `guid` when it is not 0x + 64 hex digits). `source.final` compares the source block
 * with its chain's head, as the relayer does (`shared/chains/finality.ts`).
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
  return c.json(messageView(row, nowSeconds(), await sourceFinal(row.srcEid, row.sourceBlock)));
}

async function sourceFinal(chainId: number, block: bigint | null): Promise<boolean | null> {
  const chain = indexerConfig().chains.get(chainId);
  const client = chain === undefined ? undefined : publicClients[chain.name as keyof typeof publicClients];
  if (chain === undefined || client === undefined || block === null) return null;
  const head = await client.getBlockNumber({ cacheTime: 0 });
  return isFinal({ block, head, finalityDepth: chain.finalityDepth });
}

/**
 * Wall-clock time in seconds (message ages are measured against it).
 *
 * @returns now
 */
export function nowSeconds(): bigint {
  return BigInt(Math.floor(Date.now() / 1000));
}
