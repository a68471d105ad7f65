import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/devnet/freePort.js";
import { type StartDevnetReturnType, startDevnet } from "../../scripts/devnet/startDevnet.js";
import { type StartIndexerReturnType, startIndexer } from "../../scripts/devnet/startIndexer.js";
import { collateralVaultAbi, mockErc20Abi } from "../../shared/abis/generated.js";
import { defineLocalChain } from "../../shared/chains/defineLocalChain.js";
import type { Config } from "../../shared/config/schema.js";
import { createTestRedisPrefix, type TestRedisPrefix } from "../../test/kit/testRedisPrefix.js";
import { formatRelayerStatus, getRelayerStatus, type RelayerStatus } from "./getRelayerStatus.js";

/** A base port with the next one free too (hub + one vault chain). */
async function twoFreePorts(): Promise<number> {
  for (let tries = 0; tries < 20; tries++) {
    const port = await freePort();
    const { createServer } = await import("node:net");
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(false));
      server.listen(port + 1, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error("no two consecutive free ports");
}

describe("getRelayerStatus against a real indexer", () => {
  let dir: string;
  let devnet: StartDevnetReturnType;
  let indexer: StartIndexerReturnType;
  let redis: TestRedisPrefix;
  let config: Config;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "crossmargin-ops-"));
    redis = createTestRedisPrefix();
    devnet = await startDevnet({ basePort: await twoFreePorts(), vaultChains: 1, blockTimeSeconds: 0, dir });
    indexer = await startIndexer({
      configPath: devnet.manifestPath,
      database: { kind: "pglite", directory: join(dir, "pglite") },
      schema: `cm_ops_${process.pid}`,
    });
    config = {
      ...devnet.config,
      apiUrl: indexer.url,
      relayer: { ...devnet.config.relayer, queuePrefix: redis.prefix },
    };
  });

  afterAll(async () => {
    await indexer?.stop();
    await devnet?.stop();
    await redis?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("shows every route and a withdrawal request in flight from the vault chain to the hub", async () => {
    const hubId = Object.values(config.chains).find((c) => c.role === "hub")!.chainId;
    const vault = Object.values(config.chains).find((c) => c.role === "vault")!;
    const [symbol, token] = Object.entries(vault.tokens)[0]!;
    const trader = privateKeyToAccount(devnet.manifest.accounts.traders[0]!.privateKey);
    const chain = defineLocalChain(vault);
    const publicClient = createPublicClient({ chain, transport: http(vault.rpcUrl) });
    const wallet = createWalletClient({ account: trader, chain, transport: http(vault.rpcUrl) });
    const send = async (hash: Promise<`0x${string}`>) =>
      expect((await publicClient.waitForTransactionReceipt({ hash: await hash })).status).toBe("success");
    const amount = 10n ** BigInt(token.decimals);
    await send(
      wallet.writeContract({
        address: token.address,
        abi: mockErc20Abi,
        functionName: "approve",
        args: [vault.contracts.vault, amount],
      }),
    );
    await send(
      wallet.writeContract({
        address: vault.contracts.vault,
        abi: collateralVaultAbi,
        functionName: "deposit",
        args: [token.address, amount],
      }),
    );
    await send(
      wallet.writeContract({
        address: vault.contracts.vault,
        abi: collateralVaultAbi,
        functionName: "requestWithdrawal",
        args: [token.address, amount / 2n],
      }),
    );

    const route = `${vault.chainId}->${hubId}`;
    let status: RelayerStatus | undefined;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
      status = await getRelayerStatus({ config });
      if (status.indexer.reachable && status.indexer.routes.find((r) => r.route === route)?.inFlight === 1)
        break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(status?.indexer.reachable, `withdrawal of ${symbol} never showed up`).toBe(true);
    if (!status?.indexer.reachable) return;
    expect(status.indexer.routes.map((r) => r.route).sort()).toEqual(
      [`${hubId}->${hubId}`, `${hubId}->${vault.chainId}`, route].sort(),
    );
    const inFlight = status.indexer.routes.find((r) => r.route === route)!;
    expect(inFlight).toMatchObject({
      srcChainId: vault.chainId,
      dstChainId: hubId,
      inFlight: 1,
      delivered: 0,
    });
    expect(inFlight.oldestInFlightAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(inFlight.lagSeconds).toBe(inFlight.oldestInFlightAgeSeconds);
    expect(status.queues.map((q) => q.queue)).toEqual([
      "attest",
      `deliver-${hubId}`,
      `deliver-${vault.chainId}`,
      "reconcile",
      "dead-letter",
    ]);
    expect(formatRelayerStatus(status)).toMatch(
      new RegExp(`^${route.replace(">", "\\>")} +1 +\\d+s +0 +- +- +-$`, "m"),
    );
  });
});
