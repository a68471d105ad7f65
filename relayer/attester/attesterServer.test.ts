import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { type Address, parseUnits } from "viem";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { freePort } from "../../scripts/devnet/freePort.js";
import { collateralVaultAbi, mockErc20Abi } from "../../shared/abis/generated.js";
import { attestationDomain } from "../../shared/eip712/attestationDomain.js";
import { recoverAttester } from "../../shared/eip712/recoverAttester.js";
import { ConfigError } from "../../shared/errors/BaseError.js";
import { isRetryable } from "../../shared/errors/isRetryable.js";
import type { BalanceLeaf } from "../../shared/merkle/balanceLeaf.js";
import { buildBatchClaim } from "../../test/kit/buildBatchClaim.js";
import {
  type AttesterDevnet,
  startAttesterDevnet,
  type TestChain,
} from "../../test/kit/startAttesterDevnet.js";
import { writeAndWait } from "../../test/kit/writeAndWait.js";
import type { BalanceBatchClaim } from "../types.js";
import { type AttesterAccess, attesterAccessFromEnv } from "./attesterAccess.js";
import { type StartAttesterServerReturnType, startAttesterServer } from "./attesterServer.js";
import { createRemoteAttester } from "./createRemoteAttester.js";
import {
  AttestationRefusedError,
  AttesterKeyError,
  AttesterSignatureMismatchError,
  AttesterUnavailableError,
} from "./errors.js";
import { runAttester } from "./runAttester.js";
import type { AttestErrorResponse, AttestResponse } from "./types.js";

const FINALITY_DEPTH = 2;

let net: AttesterDevnet;
let vaultA: TestChain;
let hub: Address;
let server: StartAttesterServerReturnType;
/** JSON log lines the server wrote. */
const logs: Record<string, unknown>[] = [];
/** An honest, final batch of one leaf. */
let honest: BalanceBatchClaim;
/** The same leaf with a balance the vault never held. */
let forged: BalanceBatchClaim;
/** An honest batch claimed past the head: not final yet. */
let early: BalanceBatchClaim;

async function leafAt(account: Address, token: Address, block: bigint): Promise<BalanceLeaf> {
  const [balance, , seq, inboundNonce] = await vaultA.publicClient.readContract({
    address: vaultA.chain.contracts.vault,
    abi: collateralVaultAbi,
    functionName: "accountState",
    args: [account, token],
    blockNumber: block,
  });
  const vault = vaultA.chain.contracts.vault;
  return {
    chainId: BigInt(vaultA.chain.chainId),
    vault,
    account,
    token,
    balance,
    seq,
    inboundNonce,
    sourceBlock: block,
  };
}

async function batchAt(leaves: BalanceLeaf[], block: bigint): Promise<BalanceBatchClaim> {
  const { timestamp } = await vaultA.publicClient.getBlock({ blockNumber: block });
  return buildBatchClaim({
    srcChainId: vaultA.chain.chainId,
    hubChainId: net.hub.chain.chainId,
    sender: vaultA.chain.contracts.vault,
    receiver: hub,
    leaves,
    sourceBlock: block,
    sourceTimestamp: timestamp,
  });
}

function post(body: unknown, url = server.url, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/v1/attest`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** A second server of the same attester, with the given access rules. */
function serveWith(access: AttesterAccess): Promise<StartAttesterServerReturnType> {
  return startAttesterServer({
    config: net.config,
    privateKey: net.accounts.attesters[0]?.privateKey ?? "0x",
    port: 0,
    logger: pino({ level: "silent" }),
    clients: net.clients,
    access,
  });
}

/** A response body of the attester API; the server under test is what decides its shape. */
async function json<T>(response: Response): Promise<T> {
  // The assertions that follow check the shape.
  return (await response.json()) as T;
}

async function thrown(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error("expected a rejection"),
    (error: unknown) => error,
  );
}

beforeAll(async () => {
  net = await startAttesterDevnet({ finalityDepth: FINALITY_DEPTH });
  vaultA = net.vaults[0];
  hub = net.hub.chain.contracts.hub ?? "0x";
  const trader = net.accounts.traders[0];
  const usdc = vaultA.chain.tokens.USDC?.address;
  if (trader === undefined || usdc === undefined) throw new Error("expected a trader and USDC");
  const wallet = { publicClient: vaultA.publicClient, walletClient: vaultA.walletFor(trader.privateKey) };
  const amount = parseUnits("250", 6);
  const vault = vaultA.chain.contracts.vault;
  await writeAndWait(wallet, {
    address: usdc,
    abi: mockErc20Abi,
    functionName: "approve",
    args: [vault, amount],
  });
  const { blockNumber } = await writeAndWait(wallet, {
    address: vault,
    abi: collateralVaultAbi,
    functionName: "deposit",
    args: [usdc, amount],
  });
  await net.mineEverywhere(FINALITY_DEPTH);
  const leaf = await leafAt(trader.address, usdc, blockNumber);
  honest = await batchAt([leaf], blockNumber);
  forged = await batchAt([{ ...leaf, balance: leaf.balance * 2n }], blockNumber);
  // A claim 1,000 blocks past the head: not final however many blocks anything mines meanwhile
  // (with a depth of 2, two stray blocks used to make a head claim final).
  const head = await vaultA.publicClient.getBlockNumber();
  const ahead = head + 1_000n;
  const { timestamp } = await vaultA.publicClient.getBlock({ blockNumber: head });
  early = buildBatchClaim({
    srcChainId: vaultA.chain.chainId,
    hubChainId: net.hub.chain.chainId,
    sender: vaultA.chain.contracts.vault,
    receiver: hub,
    leaves: [{ ...(await leafAt(trader.address, usdc, head)), sourceBlock: ahead }],
    sourceBlock: ahead,
    sourceTimestamp: timestamp,
  });

  const stream = { write: (line: string) => void logs.push(JSON.parse(line)) };
  server = await startAttesterServer({
    config: net.config,
    privateKey: net.accounts.attesters[0]?.privateKey ?? "0x",
    port: 0,
    logger: pino({ level: "info" }, stream),
    clients: net.clients,
  });
});

afterAll(async () => {
  await server?.stop();
  await net?.stop();
});

describe("attester HTTP server", () => {
  test("GET /healthz and GET / describe the attester", async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, address: server.address });
    const info = await json<{ address: string; chains: unknown[] }>(await fetch(`${server.url}/`));
    expect(info.address).toBe(server.address);
    expect(info.chains).toHaveLength(3);
    const missing = await fetch(`${server.url}/v2/attest`);
    expect(missing.status).toBe(404);
  });

  test("an honest claim gets 200 with a signature that recovers to the attester, and a JSON log line", async () => {
    const response = await post(honest);
    expect(response.status).toBe(200);
    const body = await json<AttestResponse>(response);
    expect(body.signer).toBe(server.address);
    const domain = attestationDomain({ chainId: net.hub.chain.chainId, verifyingContract: hub });
    expect(await recoverAttester(domain, honest.packet, body.signature)).toBe(server.address);
    expect(logs).toContainEqual(
      expect.objectContaining({
        at: "attester.attest",
        msg: "signed",
        guid: honest.guid,
        kind: "balance_batch",
      }),
    );
  });

  test("a forged claim gets 422 naming the check", async () => {
    const response = await post(forged);
    expect(response.status).toBe(422);
    const { error } = await json<AttestErrorResponse>(response);
    expect(error.name).toBe("AttestationRefusedError");
    expect(error.check).toBe("leaves[0].balance");
    expect(error.message).toContain("but the vault holds");
    expect(logs).toContainEqual(
      expect.objectContaining({ at: "attester.attest", msg: "refused", check: "leaves[0].balance" }),
    );
  });

  test("a malformed body gets 400 naming the field", async () => {
    const [leaf] = honest.leaves;
    const response = await post({ ...honest, leaves: [{ ...leaf, balance: 12 }] });
    expect(response.status).toBe(400);
    const { error } = await json<AttestErrorResponse>(response);
    expect(error.name).toBe("InvalidClaimError");
    expect(error.message).toContain("leaves.0.balance: expected balance as a decimal string");
    expect(error.issues).toEqual([
      { path: "leaves.0.balance", message: "expected balance as a decimal string" },
    ]);
    const notJson = await post("{ not json");
    expect(notJson.status).toBe(400);
    expect((await json<AttestErrorResponse>(notJson)).error.message).toContain("not JSON");
  });

  test("a claim whose block is not final yet gets 503", async () => {
    const response = await post(early);
    expect(response.status).toBe(503);
    const { error } = await json<AttestErrorResponse>(response);
    expect(error.name).toBe("AttestationNotFinalError");
    expect(error.message).toContain("is not final yet");
  });
});

describe("createRemoteAttester", () => {
  test("returns the server's signature for an honest claim", async () => {
    const remote = createRemoteAttester({ address: server.address, url: server.url, timeoutMs: 5_000 });
    const signature = await remote.attest(honest);
    const domain = attestationDomain({ chainId: net.hub.chain.chainId, verifyingContract: hub });
    expect(await recoverAttester(domain, honest.packet, signature)).toBe(server.address);
  });

  test("422 is a non-retryable refusal; 503 and a dead server are retryable", async () => {
    const remote = createRemoteAttester({ address: server.address, url: `${server.url}/`, timeoutMs: 5_000 });
    const refused = await thrown(remote.attest(forged));
    if (!(refused instanceof AttestationRefusedError)) throw refused;
    expect(refused.check).toBe("leaves[0].balance");
    expect(isRetryable(refused)).toBe(false);

    const notFinal = await thrown(remote.attest(early));
    if (!(notFinal instanceof AttesterUnavailableError)) throw notFinal;
    expect(notFinal.status).toBe(503);
    expect(isRetryable(notFinal)).toBe(true);

    const closed = await freePort();
    const dead = createRemoteAttester({ address: server.address, url: `http://127.0.0.1:${closed}` });
    const down = await thrown(dead.attest(honest));
    expect(down).toBeInstanceOf(AttesterUnavailableError);
    expect(isRetryable(down)).toBe(true);
  });

  test("a server that does not answer in time is unavailable", async () => {
    const silent: Server = createServer(() => {
      // Never answers.
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      // A TCP server's address() is an AddressInfo once listening.
      const { port } = silent.address() as AddressInfo;
      const remote = createRemoteAttester({
        address: server.address,
        url: `http://127.0.0.1:${port}`,
        timeoutMs: 200,
      });
      const error = await thrown(remote.attest(honest));
      expect(error).toBeInstanceOf(AttesterUnavailableError);
      expect(String(error)).toContain("no answer within 200 ms");
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  test("rejects a signature made by another key than the configured address", async () => {
    const other = net.accounts.attesters[1]?.address ?? "0x";
    const impostor = createRemoteAttester({ address: other, url: server.url });
    const error = await thrown(impostor.attest(honest));
    expect(error).toBeInstanceOf(AttesterSignatureMismatchError);
    expect(String(error)).toContain(
      `Attester ${other} returned a signature that is not its own: it recovers to ${server.address}`,
    );
  });
});

describe("runAttester", () => {
  test("serves until SIGTERM, then stops", async () => {
    const port = await freePort();
    const key = net.accounts.attesters[2];
    if (key === undefined) throw new Error("expected three attesters");
    const env = {
      CROSSMARGIN_CONFIG: net.devnet.manifestPath,
      ATTESTER_PRIVATE_KEY: key.privateKey,
      LOG_LEVEL: "silent",
    };
    const running = runAttester(["--port", String(port)], env);
    const url = `http://127.0.0.1:${port}`;
    let health: Response | undefined;
    for (let i = 0; i < 100 && health === undefined; i++) {
      health = await fetch(`${url}/healthz`).catch(async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return undefined;
      });
    }
    expect(await health?.json()).toEqual({ ok: true, address: key.address });
    const remote = createRemoteAttester({ address: key.address, url });
    await remote.attest(honest);
    process.emit("SIGTERM");
    await running;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  test("refuses to start with a key outside the attester set or without a config", async () => {
    const outsider = net.accounts.traders[0]?.privateKey ?? "0x";
    const env = {
      CROSSMARGIN_CONFIG: net.devnet.manifestPath,
      ATTESTER_PRIVATE_KEY: outsider,
      LOG_LEVEL: "silent",
    };
    const error = await thrown(runAttester(["--port", "0"], env));
    expect(error).toBeInstanceOf(AttesterKeyError);
    expect(String(error)).toContain("which is not in attesters.addresses");
    const noConfig = await thrown(runAttester(["--config", "/nonexistent/crossmargin.json"], env));
    expect(noConfig).toBeInstanceOf(ConfigError);
  });

  test("with client tokens: 401 without a known bearer token, 429 past the rate, 413 past the leaf cap; /healthz stays open", async () => {
    const token = "relayer-a-token-0123456789";
    const guarded = await serveWith({
      ...attesterAccessFromEnv({ ATTESTER_CLIENT_TOKENS: `relayer-a=${token}` }, "0.0.0.0"),
      ratePerMinute: 3,
    });
    try {
      const attest = (headers: Record<string, string>) => post(honest, guarded.url, headers);
      const none = await attest({});
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toContain("Bearer");
      expect((await attest({ authorization: "Bearer not-the-token-at-all" })).status).toBe(401);
      expect((await fetch(`${guarded.url}/healthz`)).status).toBe(200);
      const auth = await fetch(`${guarded.url}/v1/auth`, { headers: { authorization: `Bearer ${token}` } });
      expect(await auth.json()).toEqual({ client: "relayer-a" });
      // The relayer's remote attester sends the token: the claim is signed.
      const remote = createRemoteAttester({ address: guarded.address, url: guarded.url, token });
      await remote.attest(honest);
      // 3 a minute: /v1/auth and this attest used two; the third passes, the fourth waits.
      expect((await attest({ authorization: `Bearer ${token}` })).status).toBe(200);
      const limited = await attest({ authorization: `Bearer ${token}` });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      const without = createRemoteAttester({ address: guarded.address, url: guarded.url });
      await expect(without.attest(honest)).rejects.toBeInstanceOf(AttesterUnavailableError);
    } finally {
      await guarded.stop();
    }
    const capped = await serveWith({ clients: new Map(), ratePerMinute: 600, maxLeaves: 0 });
    try {
      const response = await post(honest, capped.url);
      expect(response.status).toBe(413);
      expect((await json<AttestErrorResponse>(response)).error.message).toBe(
        "expected at most 0 leaves in one batch, got 1",
      );
    } finally {
      await capped.stop();
    }
  });

  test("refuses to listen beyond loopback without client tokens, naming ATTESTER_CLIENT_TOKENS", async () => {
    const env = {
      CROSSMARGIN_CONFIG: net.devnet.manifestPath,
      ATTESTER_PRIVATE_KEY: net.accounts.attesters[0]?.privateKey ?? "0x",
      LOG_LEVEL: "silent",
    };
    const error = await thrown(runAttester(["--port", "0", "--host", "0.0.0.0"], env));
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toContain("ATTESTER_CLIENT_TOKENS: expected tokens for the relayers");
    expect(() => attesterAccessFromEnv({ ATTESTER_CLIENT_TOKENS: "a=short" }, "127.0.0.1")).toThrow(
      /each token at least 16 characters/,
    );
    expect(() => attesterAccessFromEnv({ ATTESTER_RATE_LIMIT: "fast" }, "127.0.0.1")).toThrow(
      /ATTESTER_RATE_LIMIT: expected a positive integer, got "fast"/,
    );
  });
});
