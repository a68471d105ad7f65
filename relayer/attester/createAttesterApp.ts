import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Logger } from "pino";
import type { Config } from "../../shared/config/schema.js";
import { BaseError } from "../../shared/errors/BaseError.js";
import type { Claim } from "../types.js";
import {
  type AttesterAccess,
  DEFAULT_ATTESTER_MAX_LEAVES,
  DEFAULT_ATTESTER_RATE_PER_MINUTE,
  tokenHash,
} from "./attesterAccess.js";
import { type ClaimIssue, parseClaim } from "./claimSchema.js";
import { ATTEST_PATH } from "./createRemoteAttester.js";
import { AttestationRefusedError } from "./errors.js";
import type { AttestErrorResponse, Attester, AttestResponse } from "./types.js";

/** Largest request body accepted (a claim of 2000 leaves is about 700 kB of JSON). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Parameters of {@link createAttesterApp}. */
export type CreateAttesterAppParameters = {
  /** The attester that verifies and signs (usually `createLocalAttester`). */
  attester: Attester;
  /** The config (for `GET /`). */
  config: Config;
  /** Where request logs go. */
  logger: Logger;
  /** Who may ask, how often, how much at once (`attesterAccessFromEnv`). Default: anyone, 600 a minute, 2,000 leaves. */
  access?: AttesterAccess | undefined;
};

/**
 * The attester's HTTP API (Hono):
 *
 * - `POST /v1/attest` — body: a `Claim` as JSON. `200 { signer, signature }`; `400` when the body
 *   is not a claim (the message names each wrong field); `422 { error: { name, message, check } }`
 *   when the claim does not match the chain; `503` when the claimed block is not final yet or
 *   this attester's RPC failed (retry later); `500` otherwise.
 * - `GET /v1/auth` — `200 { client }` for a known token (what the relayer checks at start).
 * - `GET /healthz` — `200 { ok: true, address }`.
 * - `GET /` — the attester's address, its chains and endpoints.
 *
 * With client tokens, `/v1/*` needs `Authorization: Bearer <token>` (else `401`); each client gets
 * `ratePerMinute` requests a minute (else `429` with `Retry-After`); a batch of more than
 * `maxLeaves` leaves is refused with `413`.
 *
 * @param parameters attester, config, logger
 * @returns the Hono app (serve it with `startAttesterServer`, or call `app.request` in tests)
 */
export function createAttesterApp(
  parameters: CreateAttesterAppParameters,
): Hono<{ Variables: { client: string } }> {
  const { attester, config, logger } = parameters;
  const access = parameters.access ?? {
    clients: new Map<string, string>(),
    ratePerMinute: DEFAULT_ATTESTER_RATE_PER_MINUTE,
    maxLeaves: DEFAULT_ATTESTER_MAX_LEAVES,
  };
  const app = new Hono<{ Variables: { client: string } }>();
  const buckets = new Map<string, { tokens: number; at: number }>();

  // Who is asking (a known bearer token, or anyone without tokens configured), within its rate.
  app.use("/v1/*", async (c, next) => {
    let client = "anonymous";
    if (access.clients.size > 0) {
      const header = c.req.header("authorization") ?? "";
      const known = header.startsWith("Bearer ")
        ? access.clients.get(tokenHash(header.slice(7).trim()))
        : undefined;
      if (known === undefined) {
        logger.warn({ at: "attester.auth", path: c.req.path }, "unknown or missing bearer token");
        c.header("WWW-Authenticate", 'Bearer realm="crossmargin attester"');
        return c.json(
          errorBody("UnauthorizedError", "expected Authorization: Bearer <token> of a known client"),
          401,
        );
      }
      client = known;
    }
    const now = Date.now();
    const bucket = buckets.get(client) ?? { tokens: access.ratePerMinute, at: now };
    bucket.tokens = Math.min(
      access.ratePerMinute,
      bucket.tokens + ((now - bucket.at) / 60_000) * access.ratePerMinute,
    );
    bucket.at = now;
    buckets.set(client, bucket);
    if (bucket.tokens < 1) {
      const waitS = Math.ceil(((1 - bucket.tokens) / access.ratePerMinute) * 60);
      c.header("Retry-After", String(waitS));
      return c.json(
        errorBody(
          "RateLimitedError",
          `expected at most ${access.ratePerMinute} requests a minute from ${client}`,
        ),
        429,
      );
    }
    bucket.tokens -= 1;
    c.set("client", client);
    await next();
  });
  app.get("/v1/auth", (c) => c.json({ client: c.get("client") }));

  app.get("/", (c) =>
    c.json({
      name: "crossmargin attester",
      address: attester.address,
      chains: Object.values(config.chains).map((chain) => ({
        chainId: chain.chainId,
        name: chain.name,
        role: chain.role,
        finalityDepth: chain.finalityDepth,
      })),
      endpoints: [`POST ${ATTEST_PATH}`, "GET /v1/auth", "GET /healthz", "GET /"],
    }),
  );
  app.get("/healthz", (c) => c.json({ ok: true, address: attester.address }));

  app.post(
    ATTEST_PATH,
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        c.json(errorBody("PayloadTooLargeError", `expected a body of at most ${MAX_BODY_BYTES} bytes`), 413),
    }),
    async (c) => {
      const started = performance.now();
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        logger.warn({ at: "attester.attest" }, "request body is not JSON");
        return c.json(errorBody("InvalidClaimError", "the request body is not JSON (expected a claim)"), 400);
      }
      const parsed = parseClaim(body);
      if (!parsed.ok) {
        logger.warn({ at: "attester.attest", issues: parsed.issues }, "request body is not a claim");
        return c.json(invalidClaimBody(parsed.issues), 400);
      }
      const claim = parsed.claim;
      if (claim.kind === "balance_batch" && claim.leaves.length > access.maxLeaves)
        return c.json(
          errorBody(
            "PayloadTooLargeError",
            `expected at most ${access.maxLeaves} leaves in one batch, got ${claim.leaves.length}`,
          ),
          413,
        );
      const context = { at: "attester.attest", client: c.get("client"), ...describeClaim(claim) };
      try {
        const signature = await attester.attest(claim);
        logger.info({ ...context, ms: elapsed(started) }, "signed");
        return c.json({ signer: attester.address, signature } satisfies AttestResponse, 200);
      } catch (error) {
        if (error instanceof AttestationRefusedError) {
          logger.warn(
            { ...context, check: error.check, reason: error.reason, ms: elapsed(started) },
            "refused",
          );
          return c.json(errorBody(error.name, error.shortMessage, error.check), 422);
        }
        // Answers carry short messages only: details may hold this attester's RPC URLs (and their keys).
        if (error instanceof BaseError && error.retryable) {
          logger.info({ ...context, error: error.name, reason: error.message }, "not ready, retry later");
          return c.json(errorBody(error.name, error.shortMessage), 503);
        }
        const name = error instanceof Error ? error.name : "Error";
        const message = error instanceof Error ? error.message : String(error);
        logger.error({ ...context, error: name, reason: message }, "attestation failed");
        const short =
          error instanceof BaseError ? error.shortMessage : "internal error (see the attester's log)";
        return c.json(errorBody(name, short), 500);
      }
    },
  );

  app.notFound((c) =>
    c.json(
      errorBody(
        "NotFoundError",
        `no route ${c.req.method} ${c.req.path} (try POST ${ATTEST_PATH}, GET /healthz)`,
      ),
      404,
    ),
  );
  app.onError((error, c) => {
    logger.error({ at: "attester.http", error: error.name, reason: error.message }, "unhandled error");
    return c.json(errorBody(error.name, "internal error (see the attester's log)"), 500);
  });
  return app;
}

function describeClaim(claim: Claim) {
  return {
    guid: claim.guid,
    kind: claim.kind,
    srcChainId: claim.srcChainId,
    dstChainId: claim.dstChainId,
    ...(claim.kind === "balance_batch" ? { leaves: claim.leaves.length } : { nonce: claim.nonce }),
  };
}

function invalidClaimBody(issues: ClaimIssue[]): AttestErrorResponse {
  const message = `invalid claim: ${issues.map((issue) => `${issue.path || "(body)"}: ${issue.message}`).join("; ")}`;
  return { error: { name: "InvalidClaimError", message, issues } };
}

function errorBody(name: string, message: string, check?: string): AttestErrorResponse {
  return { error: { name, message, ...(check === undefined ? {} : { check }) } };
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
