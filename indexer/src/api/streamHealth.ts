import { accountMargin } from "ponder:schema";
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { and, asc, eq, inArray, lt } from "ponder";
import type { Address } from "viem";
import { healthCrossings } from "../../lib/api/healthCrossings.js";
import type { Parsed } from "../../lib/api/parseRequest.js";
import { formatWad } from "../../lib/api/parseShocks.js";
import { parseHealth } from "./getAtRisk.js";
import type { ReadDb } from "./readDb.js";

export const STREAM_DEFAULT_INTERVAL_MS = 1_000;
export const STREAM_MIN_INTERVAL_MS = 100;
export const STREAM_MAX_INTERVAL_MS = 60_000;
/** A `heartbeat` event after this long without any other. */
export const STREAM_HEARTBEAT_MS = 15_000;
/** Most accounts one stream tracks under its threshold (the lowest first). */
export const STREAM_MAX_TRACKED = 10_000;
/** Most streams open at once per API process. */
export const STREAM_MAX_OPEN = 64;

let open = 0;

/**
 * `GET /stream/health?below=1.2[&basis=credited|vault][&intervalMs=1000]`: server-sent events of
 * accounts whose health factor crosses `below`. It starts with a `ready` event and a `below`
 * event (`"initial": true`) per account already under the threshold, then polls the margin views
 * every `intervalMs` and sends `below` when an account falls under the threshold and `above` when
 * it is back at or over it; a `heartbeat` after 15 s of silence. 400 names a bad parameter, 503
 * when too many streams are open.
 *
 * @param db the API's database
 * @returns the Hono handler
 */
export function streamHealth(db: ReadDb) {
  return async (c: Context) => {
    const raw = c.req.query("below");
    if (raw === undefined || raw === "")
      return c.json({ error: "expected a health factor such as 1.2, got nothing", parameter: "below" }, 400);
    const below = parseHealth(raw, "below");
    if (!below.ok) return c.json(below.bad, 400);
    const basis = c.req.query("basis") ?? "credited";
    if (basis !== "credited" && basis !== "vault")
      return c.json(
        {
          error: `expected "credited" or "vault", got ${JSON.stringify(basis.slice(0, 80))}`,
          parameter: "basis",
        },
        400,
      );
    const interval = parseInterval(c.req.query("intervalMs"));
    if (!interval.ok) return c.json(interval.bad, 400);
    if (open >= STREAM_MAX_OPEN)
      return c.json(
        { error: `at most ${STREAM_MAX_OPEN} health streams may be open at once`, parameter: "below" },
        503,
      );
    const health = basis === "credited" ? accountMargin.creditedHealthFactor : accountMargin.healthFactor;
    const readBelow = async () => {
      const rows = await db
        .select({ account: accountMargin.account, health })
        .from(accountMargin)
        .where(and(eq(accountMargin.computable, true), lt(health, below.value)))
        .orderBy(asc(health), asc(accountMargin.account))
        .limit(STREAM_MAX_TRACKED);
      return new Map(rows.map((r) => [r.account, r.health ?? 0n]));
    };
    const readHealth = async (accounts: Address[]) => {
      const found = new Map<Address, bigint | null>(accounts.map((a) => [a, null]));
      if (accounts.length === 0) return found;
      const rows = await db
        .select({ account: accountMargin.account, health, computable: accountMargin.computable })
        .from(accountMargin)
        .where(inArray(accountMargin.account, accounts));
      for (const r of rows) found.set(r.account, r.computable ? r.health : null);
      return found;
    };

    open++;
    return streamSSE(c, async (stream) => {
      let id = 0;
      let lastWrite = Date.now();
      const send = async (event: string, data: object) => {
        await stream.writeSSE({ event, id: String(++id), data: JSON.stringify(data) });
        lastWrite = Date.now();
      };
      const crossing = (account: Address, direction: string, hf: bigint | null, initial: boolean) =>
        send(direction, {
          account,
          direction,
          healthFactor: hf === null ? null : hf.toString(),
          health: hf === null ? null : formatWad(hf),
          below: formatWad(below.value),
          basis,
          initial,
          at: new Date().toISOString(),
        });
      try {
        let tracked = await readBelow();
        await send("ready", {
          below: formatWad(below.value),
          basis,
          intervalMs: interval.value,
          accountsBelow: tracked.size,
        });
        for (const [account, hf] of tracked) await crossing(account, "below", hf, true);
        while (!stream.aborted && !stream.closed) {
          await stream.sleep(interval.value);
          if (stream.aborted) break;
          const now = await readBelow();
          const left = [...tracked.keys()].filter((a) => !now.has(a));
          const changes = healthCrossings(tracked, now, await readHealth(left));
          for (const change of changes)
            await crossing(change.account, change.direction, change.healthFactor, false);
          tracked = now;
          if (Date.now() - lastWrite >= STREAM_HEARTBEAT_MS)
            await send("heartbeat", { at: new Date().toISOString() });
        }
      } finally {
        open--;
      }
    });
  };
}

function parseInterval(value: string | undefined): Parsed<number> {
  if (value === undefined || value === "") return { ok: true, value: STREAM_DEFAULT_INTERVAL_MS };
  const ms = /^[1-9][0-9]{0,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(ms >= STREAM_MIN_INTERVAL_MS && ms <= STREAM_MAX_INTERVAL_MS))
    return {
      ok: false,
      bad: {
        error: `expected milliseconds from ${STREAM_MIN_INTERVAL_MS} to ${STREAM_MAX_INTERVAL_MS}, got ${JSON.stringify(value.slice(0, 80))}`,
        parameter: "intervalMs",
      },
    };
  return { ok: true, value: ms };
}
