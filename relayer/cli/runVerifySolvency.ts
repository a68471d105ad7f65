import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { formatUnits, isAddress } from "viem";
import { BaseError, ConfigError } from "../../shared/errors/BaseError.js";
import { parseSumProof } from "../../shared/solvency/parseSumProof.js";
import type { SumProof } from "../../shared/solvency/sumTreeProof.js";
import { verifySumProof } from "../../shared/solvency/verifySumProof.js";

/** Usage of `crossmargin verify-solvency`. */
export const VERIFY_SOLVENCY_USAGE = `Usage: crossmargin verify-solvency <proof.json | -> [--root <0x…>] [--total <n>]
       crossmargin verify-solvency --api <url> --address <0x…> [--root <0x…>] [--total <n>]

Checks a solvency inclusion proof (the answer of GET /solvency/:address): recomputes the root
from the account's leaf and the sibling hashes and sums, and compares it with the proof's own
root and total, and with --root / --total when given (a root published elsewhere).

  <proof.json>      a file holding the proof; - reads it from stdin
  --api <url>       fetch the proof from the indexer at <url> (GET <url>/solvency/<address>)
  --address <0x…>   the account whose proof to fetch (and which the proof must be for)
  --root <0x…>      the published root hash to check against
  --total <n>       the published total (USD, 18 decimals, an integer) to check against

Exit status: 0 valid, 1 invalid proof, 2 bad arguments or an unreadable proof.`;

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const DECIMAL = /^(0|[1-9][0-9]*)$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/**
 * `crossmargin verify-solvency`: verifies a solvency proof read from a file, stdin or the API.
 *
 * @param argv arguments after `verify-solvency`
 * @returns the exit code: 0 valid, 1 invalid, 2 bad input
 */
export async function runVerifySolvency(argv: string[]): Promise<number> {
  try {
    return await verify(argv);
  } catch (error) {
    if (!(error instanceof BaseError)) throw error;
    process.stderr.write(`crossmargin verify-solvency: ${error.message}\n`);
    return 2;
  }
}

async function verify(argv: string[]): Promise<number> {
  const options = {
    api: { type: "string" },
    address: { type: "string" },
    root: { type: "string" },
    total: { type: "string" },
    help: { type: "boolean" },
  } as const;
  // Not runStatus's `parse`: importing it would load the relayer's queue clients for nothing.
  let parsed: { values: Partial<Record<keyof typeof options, string | boolean>>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigError("Bad arguments.", [{ path: "argv", message }], {
      metaMessages: [VERIFY_SOLVENCY_USAGE],
    });
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    process.stdout.write(`${VERIFY_SOLVENCY_USAGE}\n`);
    return 0;
  }
  const flag = (name: keyof typeof options) => (typeof values[name] === "string" ? values[name] : undefined);
  const root = checked("--root", flag("root"), BYTES32, "32 bytes of hex (0x + 64 hex digits)");
  const total = checked("--total", flag("total"), DECIMAL, "a non-negative integer (USD, 18 decimals)");
  const address = checked("--address", flag("address"), ADDRESS, "an address (0x + 40 hex digits)");
  if (address !== undefined && !isAddress(address, { strict: true }))
    throw argError("--address", "an address with a valid EIP-55 checksum (or all one case)", address);
  const raw = await readProof(positionals, flag("api"), address);
  const proof = parseSumProof(raw);
  if (address !== undefined && proof.account !== address.toLowerCase()) {
    process.stderr.write(`invalid: the proof is for ${proof.account}, not ${address.toLowerCase()}\n`);
    return 1;
  }
  const verdict = verifySumProof(proof, { hash: root, sum: total === undefined ? undefined : BigInt(total) });
  if (!verdict.ok) {
    process.stderr.write(`invalid: ${verdict.reason}\n`);
    return 1;
  }
  process.stdout.write(`${describeValid(proof, blockOf(raw), root !== undefined)}\n`);
  return 0;
}

async function readProof(
  positionals: string[],
  api: string | undefined,
  address: string | undefined,
): Promise<unknown> {
  if (positionals.length > 1) throw argError("argv", "at most one proof file", positionals.join(" "));
  const [file] = positionals;
  if (api !== undefined) {
    if (file !== undefined) throw argError("argv", "a proof file or --api, not both", file);
    if (address === undefined) throw argError("--address", "an address with --api", "nothing");
    return fetchProof(api, address);
  }
  if (file === undefined)
    throw argError("argv", "a proof file, - for stdin, or --api with --address", "nothing");
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (error) {
    throw new ConfigError("Cannot read the proof.", [
      { path: file, message: error instanceof Error ? error.message : String(error) },
    ]);
  }
  return parseJson(text, file === "-" ? "stdin" : file);
}

async function fetchProof(api: string, address: string): Promise<unknown> {
  const url = `${api.replace(/\/+$/, "")}/solvency/${address}`;
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new ConfigError("Cannot reach the indexer.", [
      { path: url, message: error instanceof Error ? error.message : String(error) },
    ]);
  }
  const body = parseJson(await response.text(), url);
  if (!response.ok) {
    const reason = (body as { error?: unknown } | null)?.error; // the API's error shape
    throw new ConfigError(`The indexer answered ${response.status}.`, [
      { path: url, message: typeof reason === "string" ? reason : JSON.stringify(body) },
    ]);
  }
  return body;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError("The proof is not JSON.", [
      { path: where, message: error instanceof Error ? error.message : String(error) },
    ]);
  }
}

/** The hub block the API's answer names (`block.number`), when the proof carries one. */
function blockOf(raw: unknown): string | undefined {
  const block = (raw as { block?: { number?: unknown } } | null)?.block; // parseSumProof checked raw is an object
  return typeof block?.number === "string" ? block.number : undefined;
}

function describeValid(proof: SumProof, block: string | undefined, published: boolean): string {
  const usd = (wei: bigint) => `${formatUnits(wei, 18)} USD`;
  return [
    `valid: ${proof.account} is included with ${usd(proof.value)} (${proof.value})`,
    `in root ${proof.root.hash} (total ${usd(proof.root.sum)}${published ? ", the published root" : ""})`,
    `${block === undefined ? "" : `at hub block ${block}, `}leaf ${proof.index + 1} of ${proof.leafCount}`,
  ].join(" ");
}

function checked(
  flag: string,
  value: string | undefined,
  pattern: RegExp,
  expected: string,
): string | undefined {
  if (value === undefined) return undefined;
  if (!pattern.test(value)) throw argError(flag, expected, value);
  return value;
}

function argError(path: string, expected: string, got: string): ConfigError {
  return new ConfigError(
    "Bad arguments.",
    [{ path, message: `expected ${expected}, got ${JSON.stringify(got)}` }],
    {
      metaMessages: [VERIFY_SOLVENCY_USAGE],
    },
  );
}
