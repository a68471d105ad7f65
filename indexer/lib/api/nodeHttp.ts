import type { IncomingMessage, ServerResponse } from "node:http";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { readIncomingText } from "./nodeRoutes.js";

/*
 * JSON in and out of the hot endpoints without web streams. Ponder's server runs Hono on
 * @hono/node-server, and its CORS middleware touches `c.res` before the route runs, so Hono
 * rebuilds every route's answer as a stream-bodied web `Response` that node-server then reads
 * back chunk by chunk; a request body read through `c.req` is likewise wrapped in a web stream.
 * On the margin endpoints that was a quarter of the indexer's CPU per request (BENCHMARKS.md).
 * These helpers use node's own request and response when Hono runs on node-server (`c.env`
 * holds them) and fall back to Hono's way elsewhere (`app.request` in tests).
 */

type NodeBindings = { incoming?: IncomingMessage; outgoing?: ServerResponse };

function nodeOf(c: Context): NodeBindings {
  const env: unknown = c.env;
  return typeof env === "object" && env !== null ? (env as NodeBindings) : {}; // node-server's bindings, or none
}

/**
 * Reads the request body as text.
 *
 * @param c the Hono context
 * @param limit most bytes accepted
 * @returns the body, or `undefined` when it is longer than `limit`
 */
export async function readBodyText(c: Context, limit: number): Promise<string | undefined> {
  const { incoming } = nodeOf(c);
  if (incoming === undefined || incoming.readableEnded) {
    const text = await c.req.text();
    return Buffer.byteLength(text) > limit ? undefined : text;
  }
  return readIncomingText(incoming, limit);
}

/**
 * Answers with a JSON body. The headers middleware already set on `c.res` (Ponder's CORS header)
 * are sent along; the returned response carries the status and `content-length` for middleware
 * that reads them after the route (Ponder's metrics).
 *
 * @param c the Hono context
 * @param body what to serialize
 * @param status the HTTP status
 * @returns the response for Hono to return
 */
export function sendJson(c: Context, body: unknown, status: ContentfulStatusCode = 200): Response {
  const { outgoing } = nodeOf(c);
  if (outgoing === undefined || outgoing.headersSent) return c.json(body, status);
  const text = JSON.stringify(body);
  const length = Buffer.byteLength(text);
  for (const [name, value] of c.res.headers) outgoing.setHeader(name, value);
  outgoing.writeHead(status, { "content-type": "application/json", "content-length": length });
  outgoing.end(text);
  // node-server skips a response marked as already sent; the length stays readable for the
  // middleware after the route (Ponder's response-size metric).
  const headers = new Headers(RESPONSE_ALREADY_SENT.headers);
  headers.set("content-length", String(length));
  return new Response(null, { status, headers });
}
