import { type Address, getAddress, type Hex } from "viem";
import { decodePacket } from "../../shared/codec/decodePacket.js";
import { attestationDomain } from "../../shared/eip712/attestationDomain.js";
import { recoverAttester } from "../../shared/eip712/recoverAttester.js";
import { BaseError } from "../../shared/errors/BaseError.js";
import type { Claim } from "../types.js";
import {
  AttestationRefusedError,
  AttesterSignatureMismatchError,
  AttesterUnavailableError,
} from "./errors.js";
import type { Attester } from "./types.js";

/** Parameters of {@link createRemoteAttester}. */
export type CreateRemoteAttesterParameters = {
  /** The attester's address in the quorum: every signature must recover to it. */
  address: Address;
  /** Base URL of its `crossmargin attester` server, e.g. `http://10.0.0.5:9470`. */
  url: string;
  /** How long one request may take before the attester counts as unavailable (default 5000). */
  timeoutMs?: number | undefined;
  /** The bearer token its server knows this relayer by (`ATTESTER_CLIENT_TOKENS` there). */
  token?: string | undefined;
};

/** Path of the attest endpoint under the server's base URL. */
export const ATTEST_PATH = "/v1/attest";

/**
 * An attester that runs elsewhere: `attest` POSTs the claim to its server's `/v1/attest` and
 * accepts the answer only if the signature recovers, under the packet's destination domain, to
 * the configured `address`.
 *
 * @param parameters address, URL, timeout
 * @returns the attester
 * @example
 * const attester = createRemoteAttester({ address, url: config.relayer.attesterUrls[address], timeoutMs: 5_000 });
 * const signature = await attester.attest(claim);
 * // 422 → AttestationRefusedError (non-retryable); timeout, refused connection, 5xx, 503 not final →
 * // AttesterUnavailableError (retryable); a signature by another key → AttesterSignatureMismatchError
 */
export function createRemoteAttester(parameters: CreateRemoteAttesterParameters): Attester {
  const address = getAddress(parameters.address);
  const url = `${parameters.url.replace(/\/+$/, "")}${ATTEST_PATH}`;
  const timeoutMs = parameters.timeoutMs ?? 5_000;
  const unavailable = (reason: string, status?: number, cause?: unknown) =>
    new AttesterUnavailableError({ attester: address, url, status, reason, cause });

  return {
    address,
    async attest(claim: Claim): Promise<Hex> {
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(parameters.token === undefined ? {} : { authorization: `Bearer ${parameters.token}` }),
          },
          body: JSON.stringify(claim),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const timedOut = error instanceof Error && error.name === "TimeoutError";
        throw unavailable(timedOut ? `no answer within ${timeoutMs} ms` : describe(error), undefined, error);
      }
      const body = await readJson(response);
      if (response.status === 200) return checkSignature(address, claim, body);
      const remote = errorOf(body);
      if (response.status === 422 || response.status === 400) {
        throw new AttestationRefusedError({
          check: remote.check ?? (response.status === 400 ? "request" : "remote"),
          reason: `attester ${address} (${response.status} ${remote.name}): ${remote.message}`,
        });
      }
      throw unavailable(`HTTP ${response.status} ${remote.name}: ${remote.message}`, response.status);
    },
  };
}

async function checkSignature(address: Address, claim: Claim, body: unknown): Promise<Hex> {
  const signature = field(body, "signature");
  if (signature === undefined || !/^0x[0-9a-fA-F]{130}$/.test(signature)) {
    throw new AttesterSignatureMismatchError(
      address,
      `expected a 65-byte hex signature, got ${JSON.stringify(body)}`,
    );
  }
  // Checked just above: 0x + 65 bytes of hex.
  const hex = signature as Hex;
  let signer: Address;
  try {
    const header = decodePacket(claim.packet);
    const domain = attestationDomain({ chainId: header.dstEid, verifyingContract: header.receiverAddress });
    signer = await recoverAttester(domain, claim.packet, hex);
  } catch (error) {
    if (!(error instanceof BaseError)) throw error;
    throw new AttesterSignatureMismatchError(address, error.shortMessage, error);
  }
  if (signer !== address) {
    throw new AttesterSignatureMismatchError(address, `it recovers to ${signer}`);
  }
  return hex;
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

function errorOf(body: unknown): { name: string; message: string; check?: string | undefined } {
  const error = typeof body === "object" && body !== null && "error" in body ? body.error : undefined;
  return {
    name: field(error, "name") ?? "UnknownError",
    message: field(error, "message") ?? "no error message in the answer",
    check: field(error, "check"),
  };
}

function field(value: unknown, key: string): string | undefined {
  if (typeof value !== "object" || value === null || !(key in value)) return undefined;
  const entry: unknown = Reflect.get(value, key);
  return typeof entry === "string" ? entry : undefined;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}
