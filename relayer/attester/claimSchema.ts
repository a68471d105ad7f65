import type { Address, Hex } from "viem";
import { z } from "zod";
import type { Claim, LeafJson } from "../types.js";

/** Most leaves one BALANCE_BATCH claim may carry (the relayer's `batchMaxLeaves` is at most 2000). */
export const MAX_CLAIM_LEAVES = 2_000;
/** Longest packet accepted, in bytes (the longest crossmargin packet is 113 + 121). */
const MAX_PACKET_BYTES = 1_024;
const UINT32_MAX = 2 ** 32 - 1;

const decimal = (what: string) =>
  z
    .string({ error: `expected ${what} as a decimal string` })
    .regex(/^(0|[1-9][0-9]{0,77})$/, { error: `expected ${what} as a decimal string` });

const address = () =>
  z.custom<Address>((value) => typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value), {
    error: "expected an address (0x + 40 hex digits)",
  });

const bytes32 = (what: string) =>
  z.custom<Hex>((value) => typeof value === "string" && /^0x[0-9a-fA-F]{64}$/.test(value), {
    error: `expected ${what} (0x + 64 hex digits)`,
  });

const packet = z.custom<Hex>(
  (value) =>
    typeof value === "string" &&
    /^0x([0-9a-fA-F]{2})+$/.test(value) &&
    value.length <= 2 + 2 * MAX_PACKET_BYTES,
  { error: `expected the packet as hex bytes (0x…, at most ${MAX_PACKET_BYTES} bytes)` },
);

const chainId = (what: string) =>
  z
    .number({ error: `expected the ${what} chain id (an integer from 1 to 2^32 − 1)` })
    .int({ error: `expected the ${what} chain id (an integer from 1 to 2^32 − 1)` })
    .min(1, { error: `expected the ${what} chain id (an integer from 1 to 2^32 − 1)` })
    .max(UINT32_MAX, { error: `expected the ${what} chain id (an integer from 1 to 2^32 − 1)` });

/** A balance leaf as JSON (numbers as decimal strings). */
export const leafJsonSchema = z.object(
  {
    chainId: decimal("chainId"),
    vault: address(),
    account: address(),
    token: address(),
    balance: decimal("balance"),
    seq: decimal("seq"),
    inboundNonce: decimal("inboundNonce"),
    sourceBlock: decimal("sourceBlock"),
  },
  { error: "expected a leaf object" },
) satisfies z.ZodType<LeafJson>;

const common = {
  srcChainId: chainId("source"),
  dstChainId: chainId("destination"),
  packet,
  guid: bytes32("the packet guid"),
};

/**
 * A {@link Claim} as JSON, as `POST /v1/attest` receives it. Checks shapes only (hex lengths,
 * decimal strings, chain ids); whether the claim is true is `verifyClaim`'s business.
 */
export const claimSchema = z.discriminatedUnion(
  "kind",
  [
    z.object({
      kind: z.literal("balance_batch"),
      ...common,
      leaves: z
        .array(leafJsonSchema, { error: "expected a list of leaves" })
        .min(1, { error: "expected at least one leaf" })
        .max(MAX_CLAIM_LEAVES, { error: `expected at most ${MAX_CLAIM_LEAVES} leaves` }),
    }),
    z.object({
      kind: z.enum(["withdrawal_request", "approve_withdrawal", "reject_withdrawal", "seize"]),
      ...common,
      nonce: decimal("nonce"),
      sourceBlock: decimal("sourceBlock"),
      sourceTxHash: bytes32("a transaction hash").optional(),
    }),
  ],
  {
    error:
      'expected kind "balance_batch", "withdrawal_request", "approve_withdrawal", "reject_withdrawal" or "seize"',
  },
) satisfies z.ZodType<Claim>;

/** One problem with a claim body: the field's dotted path and what was expected. */
export type ClaimIssue = { path: string; message: string };

/**
 * Validates a claim body.
 *
 * @param body the parsed JSON body
 * @returns the claim, or every problem found with its field path (e.g. `leaves.3.balance`)
 * @example
 * const parsed = parseClaim(await request.json());
 * if (!parsed.ok) return c.json({ error: { name: "InvalidClaimError", message: parsed.issues[0].message } }, 400);
 */
export function parseClaim(body: unknown): { ok: true; claim: Claim } | { ok: false; issues: ClaimIssue[] } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { ok: false, issues: [{ path: "", message: "expected a JSON object (a claim)" }] };
  }
  const result = claimSchema.safeParse(body);
  if (result.success) return { ok: true, claim: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => ({
      path: issue.path.map(String).join("."),
      message: issue.message,
    })),
  };
}
