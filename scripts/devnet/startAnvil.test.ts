import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PortInUseError } from "./errors.js";
import { freePort } from "./freePort.js";
import { type StartAnvilReturnType, startAnvil } from "./startAnvil.js";

/** A chain id no other test uses, so nothing else could answer for it by accident. */
const CHAIN_ID = 31_977;

async function rpc(url: string, method: string): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: [] }),
  });
  // JSON-RPC answers are untyped JSON; only `result` is read.
  return ((await response.json()) as { result?: unknown }).result;
}

/** Ready-file directories `startAnvil` left in the temp directory for `port`. */
function readyFiles(port: number): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith(`crossmargin-anvil-${port}-`));
}

describe("startAnvil", () => {
  let first: StartAnvilReturnType;

  beforeAll(async () => {
    first = await startAnvil({ chainId: CHAIN_ID, port: await freePort(), blockTimeSeconds: 0 });
  });

  afterAll(async () => {
    await first?.stop();
  });

  // Two test files once raced for one port: the loser's anvil failed to bind, but the other
  // anvil answered its `eth_chainId` with the same id, so the loser's test mined blocks on
  // another test's chain. Ready means that the process we started listens, not that
  // something on the port answers.
  test("a port held by an anvil of the same chain is refused with PortInUseError, not adopted", async () => {
    const before = (await rpc(first.rpcUrl, "eth_blockNumber")) as string;
    const second = startAnvil({ chainId: CHAIN_ID, port: first.port, blockTimeSeconds: 0 });
    await expect(second).rejects.toBeInstanceOf(PortInUseError);
    await expect(second).rejects.toThrow(`Port ${first.port} (for chain ${CHAIN_ID}) is already in use.`);
    expect(await rpc(first.rpcUrl, "eth_blockNumber")).toBe(before);
  });

  test("the started process is the one that answers; it leaves no ready file behind", async () => {
    const other = await startAnvil({ chainId: CHAIN_ID, port: await freePort(), blockTimeSeconds: 0 });
    expect(await rpc(other.rpcUrl, "eth_chainId")).toBe(`0x${CHAIN_ID.toString(16)}`);
    expect(readyFiles(other.port)).toEqual([]);
    await other.stop();
    await expect(rpc(other.rpcUrl, "eth_chainId")).rejects.toThrow();
    expect(await rpc(first.rpcUrl, "eth_chainId")).toBe(`0x${CHAIN_ID.toString(16)}`);
  });
});
