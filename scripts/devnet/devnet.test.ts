import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Address,
  createPublicClient,
  createTestClient,
  createWalletClient,
  encodeFunctionData,
  http,
  type PublicClient,
  zeroHash,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  collateralVaultAbi,
  crossmarginTimelockAbi,
  marginHubAbi,
  mockErc20Abi,
  perpMarketAbi,
} from "../../shared/abis/generated.js";
import { defineLocalChain } from "../../shared/chains/defineLocalChain.js";
import { parseConfig } from "../../shared/config/parseConfig.js";
import type { ChainConfig } from "../../shared/config/schema.js";
import { ATTESTER_THRESHOLD } from "./accounts.js";
import { DEMO_PERPS, DEMO_TOKENS, DEVNET_TIMELOCK_DELAY } from "./demoAssets.js";
import { AnvilError, DevnetLockedError, PortInUseError } from "./errors.js";
import { type StartDevnetReturnType, startDevnet } from "./startDevnet.js";

// Ports of this file only (other suites start anvils too): 19545–19547, 19645–19647, 19745–19746, 19845–19846.
const BASE_PORT = 19545;

function clientFor(chain: ChainConfig): PublicClient {
  return createPublicClient({
    chain: defineLocalChain(chain),
    transport: http(chain.rpcUrl),
    pollingInterval: 20,
  });
}

async function rpcAnswers(rpcUrl: string): Promise<boolean> {
  try {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(1_000),
    });
    return response.ok;
  } catch {
    return false;
  }
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

describe("startDevnet", () => {
  let dir: string;
  let devnet: StartDevnetReturnType;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "crossmargin-devnet-"));
    devnet = await startDevnet({ basePort: BASE_PORT, blockTimeSeconds: 0, dir });
  });

  afterAll(async () => {
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("writes a manifest that the shared parseConfig accepts", () => {
    const onDisk: unknown = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    const config = parseConfig(onDisk);
    expect(Object.keys(config.chains)).toEqual(["31337", "31338", "31339"]);
    expect(Object.values(config.chains).map((chain) => [chain.role, chain.rpcUrl])).toEqual([
      ["hub", `http://127.0.0.1:${BASE_PORT}`],
      ["vault", `http://127.0.0.1:${BASE_PORT + 1}`],
      ["vault", `http://127.0.0.1:${BASE_PORT + 2}`],
    ]);
    expect(config.attesters.threshold).toBe(ATTESTER_THRESHOLD);
    const attesters = config.attesters.addresses.map((address) => BigInt(address));
    expect(attesters).toEqual([...attesters].sort((a, b) => (a < b ? -1 : 1)));
    expect(config).toEqual(devnet.config);
    expect(devnet.manifest.accounts.traders.length).toBeGreaterThanOrEqual(3);
    expect(readFileSync(devnet.lockPath, "utf8")).toBe(`${process.pid}\n`);
  });

  test("every chain answers its own chain id", async () => {
    for (const chain of Object.values(devnet.config.chains)) {
      expect(await clientFor(chain).getChainId()).toBe(chain.chainId);
    }
  });

  test("the hub knows every chain's vault, every (chain, token) collateral and the perp market", async () => {
    const hubChain = Object.values(devnet.config.chains).find((chain) => chain.role === "hub")!;
    const client = clientFor(hubChain);
    const hub = hubChain.contracts.hub!;
    const read = { address: hub, abi: marginHubAbi } as const;
    const expected: { chainId: bigint; token: Address }[] = [];
    for (const chain of Object.values(devnet.config.chains)) {
      expect(await client.readContract({ ...read, functionName: "vaultOf", args: [chain.chainId] })).toBe(
        chain.contracts.vault,
      );
      for (const [symbol, token] of Object.entries(chain.tokens)) {
        expected.push({ chainId: BigInt(chain.chainId), token: token.address });
        const risk = await client.readContract({
          ...read,
          functionName: "collateralConfig",
          args: [BigInt(chain.chainId), token.address],
        });
        expect({ symbol, ...risk }).toEqual({
          symbol,
          feed: token.risk.feed,
          heartbeat: token.risk.heartbeat,
          tokenDecimals: token.decimals,
          haircutBps: token.risk.haircutBps,
          liquidationThresholdBps: token.risk.liquidationThresholdBps,
          liquidationBonusBps: token.risk.liquidationBonusBps,
          capPerAccount: token.risk.capPerAccount,
        });
      }
    }
    expect(await client.readContract({ ...read, functionName: "collaterals" })).toEqual(expected);
    expect(expected).toHaveLength(3 * DEMO_TOKENS.length);
    // Both markets are consumers: the hub adds up their requirements against one margin.
    expect(await client.readContract({ ...read, functionName: "consumers" })).toEqual(
      hubChain.contracts.perpMarkets,
    );
    expect(hubChain.contracts.perpMarkets).toHaveLength(DEMO_PERPS.length);
    for (const [index, perp] of DEMO_PERPS.entries()) {
      const market = { address: hubChain.contracts.perpMarkets[index]!, abi: perpMarketAbi } as const;
      const [symbol, feed, initial, maintenance] = await Promise.all([
        client.readContract({ ...market, functionName: "symbol" }),
        client.readContract({ ...market, functionName: "feed" }),
        client.readContract({ ...market, functionName: "initialMarginBps" }),
        client.readContract({ ...market, functionName: "maintenanceMarginBps" }),
      ]);
      expect({ symbol, feed, initial, maintenance }).toEqual({
        symbol: perp.symbol,
        feed: devnet.manifest.devnet.perpFeeds[perp.symbol],
        initial: perp.initialMarginBps,
        maintenance: perp.maintenanceMarginBps,
      });
    }
  });

  test("every trader holds every demo token on every chain", async () => {
    for (const chain of Object.values(devnet.config.chains)) {
      const client = clientFor(chain);
      for (const token of DEMO_TOKENS) {
        const address = chain.tokens[token.symbol]!.address;
        for (const trader of devnet.manifest.accounts.traders) {
          const balance = await client.readContract({
            address,
            abi: mockErc20Abi,
            functionName: "balanceOf",
            args: [trader.address],
          });
          expect([chain.chainId, token.symbol, balance]).toEqual([
            chain.chainId,
            token.symbol,
            token.mintPerTrader,
          ]);
        }
      }
    }
  });

  test("a trader deposits USDC into a vault and accountState shows it", async () => {
    const chain = devnet.config.chains["31338"]!;
    const trader = devnet.manifest.accounts.traders[0]!;
    const usdc = chain.tokens.USDC!.address;
    const vault = chain.contracts.vault;
    const client = clientFor(chain);
    const wallet = createWalletClient({
      account: privateKeyToAccount(trader.privateKey),
      chain: defineLocalChain(chain),
      transport: http(chain.rpcUrl),
    });
    const amount = 1_500n * 10n ** 6n;
    const approve = await wallet.writeContract({
      address: usdc,
      abi: mockErc20Abi,
      functionName: "approve",
      args: [vault, amount],
    });
    await client.waitForTransactionReceipt({ hash: approve });
    const deposit = await wallet.writeContract({
      address: vault,
      abi: collateralVaultAbi,
      functionName: "deposit",
      args: [usdc, amount],
    });
    expect((await client.waitForTransactionReceipt({ hash: deposit })).status).toBe("success");
    const [balance, pending, seq] = await client.readContract({
      address: vault,
      abi: collateralVaultAbi,
      functionName: "accountState",
      args: [trader.address, usdc],
    });
    expect({ balance, pending, seq }).toEqual({ balance: amount, pending: 0n, seq: 1n });
  });

  test("a timelock owns every crossmargin contract on every chain, and owner actions wait its delay", async () => {
    for (const chain of Object.values(devnet.config.chains)) {
      const client = clientFor(chain);
      const timelock = chain.contracts.timelock!;
      const owned = [chain.contracts.vault, chain.contracts.hub, ...chain.contracts.perpMarkets].filter(
        (address) => address !== undefined,
      );
      expect(owned).toHaveLength(chain.role === "hub" ? 2 + DEMO_PERPS.length : 1);
      for (const address of owned) {
        expect(await client.readContract({ address, abi: marginHubAbi, functionName: "owner" })).toBe(
          timelock,
        );
      }
      expect(
        await client.readContract({
          address: timelock,
          abi: crossmarginTimelockAbi,
          functionName: "getMinDelay",
        }),
      ).toBe(BigInt(DEVNET_TIMELOCK_DELAY));
      // The configured token decimals are the token's own.
      for (const token of Object.values(chain.tokens)) {
        expect(
          await client.readContract({ address: token.address, abi: mockErc20Abi, functionName: "decimals" }),
        ).toBe(token.decimals);
      }
    }

    const hubChain = devnet.config.chains["31337"]!;
    const client = clientFor(hubChain);
    const hub = hubChain.contracts.hub!;
    const timelock = hubChain.contracts.timelock!;
    const deployer = privateKeyToAccount(devnet.manifest.accounts.deployer.privateKey);
    const wallet = createWalletClient({
      account: deployer,
      chain: defineLocalChain(hubChain),
      transport: http(hubChain.rpcUrl),
    });
    await expect(
      client.simulateContract({
        account: deployer,
        address: hub,
        abi: marginHubAbi,
        functionName: "setMaxAttestationAge",
        args: [7_200n],
      }),
    ).rejects.toThrow(/OwnableUnauthorizedAccount/);

    const call = [
      hub,
      0n,
      encodeFunctionData({ abi: marginHubAbi, functionName: "setMaxAttestationAge", args: [7_200n] }),
      zeroHash,
      zeroHash,
    ] as const;
    const schedule = await wallet.writeContract({
      address: timelock,
      abi: crossmarginTimelockAbi,
      functionName: "schedule",
      args: [...call, BigInt(DEVNET_TIMELOCK_DELAY)],
    });
    expect((await client.waitForTransactionReceipt({ hash: schedule })).status).toBe("success");
    await expect(
      client.simulateContract({
        account: deployer,
        address: timelock,
        abi: crossmarginTimelockAbi,
        functionName: "execute",
        args: call,
      }),
    ).rejects.toThrow(/TimelockUnexpectedOperationState/);
    await createTestClient({
      chain: defineLocalChain(hubChain),
      transport: http(hubChain.rpcUrl),
      mode: "anvil",
    }).increaseTime({
      seconds: DEVNET_TIMELOCK_DELAY,
    });
    const execute = await wallet.writeContract({
      address: timelock,
      abi: crossmarginTimelockAbi,
      functionName: "execute",
      args: call,
    });
    expect((await client.waitForTransactionReceipt({ hash: execute })).status).toBe("success");
    expect(
      await client.readContract({ address: hub, abi: marginHubAbi, functionName: "maxAttestationAge" }),
    ).toBe(7_200n);
  });

  test("a second devnet on the same directory is refused, naming the running pid", async () => {
    const second = startDevnet({ basePort: BASE_PORT + 100, blockTimeSeconds: 0, dir });
    await expect(second).rejects.toBeInstanceOf(DevnetLockedError);
    await expect(second).rejects.toThrow(`A devnet is already running (pid ${process.pid}).`);
    expect(await rpcAnswers(`http://127.0.0.1:${BASE_PORT + 100}`)).toBe(false);
    expect(readFileSync(devnet.lockPath, "utf8")).toBe(`${process.pid}\n`);
  });

  test("a port in use is refused, naming the port and its chain, before any anvil starts", async () => {
    const otherDir = mkdtempSync(join(tmpdir(), "crossmargin-devnet-port-"));
    const base = BASE_PORT + 200;
    const blocker = await listen(base + 1);
    try {
      const attempt = startDevnet({ basePort: base, vaultChains: 1, blockTimeSeconds: 0, dir: otherDir });
      await expect(attempt).rejects.toBeInstanceOf(PortInUseError);
      await expect(attempt).rejects.toThrow(`Port ${base + 1} (for chain 31338) is already in use.`);
      expect(await rpcAnswers(`http://127.0.0.1:${base}`)).toBe(false);
      expect(existsSync(join(otherDir, "dev.lock"))).toBe(false);
    } finally {
      blocker.close();
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  // Last: stops the shared devnet.
  test("stop() kills every anvil and removes the lock", async () => {
    await devnet.stop();
    for (const chain of Object.values(devnet.config.chains))
      expect(await rpcAnswers(chain.rpcUrl)).toBe(false);
    expect(existsSync(devnet.lockPath)).toBe(false);
    expect(await devnet.closed).toEqual({});
  });
});

describe("startDevnet when an anvil dies", () => {
  test("stops the other chains, removes the lock and reports the chain", async () => {
    const dir = mkdtempSync(join(tmpdir(), "crossmargin-devnet-die-"));
    const lines: string[] = [];
    const devnet = await startDevnet({
      basePort: BASE_PORT + 300,
      vaultChains: 1,
      blockTimeSeconds: 0,
      dir,
      log: (line) => lines.push(line),
    });
    try {
      const [hub, vault] = devnet.anvils;
      process.kill(vault!.pid, "SIGKILL");
      const closed = await devnet.closed;
      expect(closed.error).toBeInstanceOf(AnvilError);
      expect(closed.error?.message).toContain(
        `anvil for chain 31338 (port ${BASE_PORT + 301}) exited unexpectedly`,
      );
      expect(lines.at(-1)).toContain("exited unexpectedly (signal SIGKILL); stopping the devnet.");
      expect(await rpcAnswers(hub!.rpcUrl)).toBe(false);
      expect(existsSync(devnet.lockPath)).toBe(false);
    } finally {
      await devnet.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
