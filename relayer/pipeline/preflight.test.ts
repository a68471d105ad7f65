import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Address, getAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exampleConfig } from "../../shared/config/exampleConfig.js";
import { parseConfig } from "../../shared/config/parseConfig.js";
import { ConfigError } from "../../shared/errors/BaseError.js";
import { ANVIL_KEYS, type StartAnvilReturnType, startAnvil } from "../../test/kit/anvil.js";
import { pollUntil } from "../../test/kit/pollUntil.js";
import { createPublicClients } from "../createPublicClients.js";
import { findPreflightProblems, preflight, watchPreflight } from "./preflight.js";

/*
 * The relayer's start checks against real anvils: a contract deployed on each chain (any code will
 * do), the relayer's key funded by anvil, an attester server answering /healthz.
 */

let hub: StartAnvilReturnType;
let vault: StartAnvilReturnType;
let attesterServer: Server;
let attesterUrl: string;
const funded = privateKeyToAccount(ANVIL_KEYS[1]!).address;
const unfunded = privateKeyToAccount(`0x${"42".repeat(32)}`).address;
const TOKEN = "relayer-token-0123456789";
const ATTESTERS = [
  "0x00000000000000000000000000000000000000a1",
  "0x00000000000000000000000000000000000000a2",
] as const;
/** A deployed contract's address per chain (the runtime code is one STOP byte). */
const deployed = new Map<number, Address>();

async function deployStop(anvil: StartAnvilReturnType): Promise<Address> {
  // Init code returning the one-byte runtime 0x00.
  const hash = await anvil.walletClient.sendTransaction({ data: "0x600160008160098239f300" });
  const receipt = await anvil.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.contractAddress == null) throw new Error("no contract deployed");
  return receipt.contractAddress;
}

beforeAll(async () => {
  [hub, vault] = await Promise.all([startAnvil({ chainId: 31337 }), startAnvil({ chainId: 31338 })]);
  deployed.set(31337, await deployStop(hub));
  deployed.set(31338, await deployStop(vault));
  attesterServer = createServer((request, response) => {
    if (request.url !== "/v1/auth") response.writeHead(404).end("{}");
    else response.writeHead(request.headers.authorization === `Bearer ${TOKEN}` ? 200 : 401).end("{}");
  });
  await new Promise<void>((resolve) => attesterServer.listen(0, "127.0.0.1", resolve));
  attesterUrl = `http://127.0.0.1:${(attesterServer.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await Promise.all([hub?.stop(), vault?.stop()]);
  attesterServer?.close();
});

/** The example config on the two anvils, every contract at the deployed one unless overridden. */
function configWith(edit: (input: ReturnType<typeof exampleConfig>) => void = () => {}) {
  const input = exampleConfig();
  const hubChain = input.chains["31337"];
  const vaultChain = input.chains["31338"];
  hubChain.rpcUrl = hub.rpcUrl;
  vaultChain.rpcUrl = vault.rpcUrl;
  const at = (id: number) => deployed.get(id) ?? "0x";
  hubChain.contracts = { vault: at(31337), hub: at(31337), perpMarkets: [at(31337)] };
  vaultChain.contracts = { vault: at(31338) };
  input.attesters = { threshold: 2, addresses: [...ATTESTERS, "0x00000000000000000000000000000000000000a3"] };
  edit(input);
  return parseConfig(input);
}

function check(
  config: ReturnType<typeof parseConfig>,
  options: { relayer?: Address; attesters?: { address: Address; url?: string; token?: string }[] } = {},
) {
  return findPreflightProblems({
    config,
    clients: createPublicClients(config, { retryCount: 0, timeoutMs: 2_000 }),
    relayer: options.relayer ?? funded,
    attesters: options.attesters ?? ATTESTERS.map((address) => ({ address })),
    timeoutMs: 2_000,
  });
}

describe("preflight", () => {
  it("finds nothing wrong with the right chains, code, funds and a quorum of attesters", async () => {
    expect(await check(configWith())).toEqual([]);
    expect(
      await check(configWith(), {
        attesters: [{ address: ATTESTERS[0] }, { address: ATTESTERS[1], url: attesterUrl, token: TOKEN }],
      }),
    ).toEqual([]);
  });

  it("names a chain whose RPC serves another chain id", async () => {
    const problems = await check(
      configWith((c) => {
        c.chains["31338"].rpcUrl = hub.rpcUrl;
      }),
    );
    expect(problems).toEqual([
      {
        path: "chains.31338.rpcUrl",
        message: `expected chain id 31338 at ${hub.rpcUrl}, the RPC says 31337`,
      },
    ]);
  });

  it("names each configured contract without code, and an RPC that does not answer, its password hidden", async () => {
    const empty = "0x000000000000000000000000000000000000dead";
    const problems = await check(
      configWith((c) => {
        c.chains["31337"].contracts.perpMarkets.push(empty);
        c.chains["31338"].rpcUrl = "http://user:secret@127.0.0.1:9";
      }),
    );
    expect(problems).toContainEqual({
      path: "chains.31337.contracts.perpMarkets.1",
      message: `expected a contract at ${getAddress(empty)}, found no code`,
    });
    const rpc = problems.find((p) => p.path === "chains.31338.rpcUrl");
    expect(rpc?.message).toMatch(
      /^expected an RPC answering eth_chainId at http:\/\/user:\*\*\*@127\.0\.0\.1:9/,
    );
    expect(JSON.stringify(problems)).not.toContain("secret");
  });

  it("names every chain where the relayer's key has no funds", async () => {
    const problems = await check(configWith(), { relayer: unfunded });
    expect(problems.map((p) => p.path)).toEqual(["chains.31337.relayerKey", "chains.31338.relayerKey"]);
    expect(problems[0]?.message).toBe(
      `expected funds for gas on chain 31337 at the relayer's address ${unfunded}, found 0`,
    );
  });

  it("refuses fewer reachable attesters than the threshold, naming the unreachable ones", async () => {
    const down = "http://127.0.0.1:9";
    const problems = await check(configWith(), {
      attesters: [{ address: ATTESTERS[0] }, { address: ATTESTERS[1], url: down }],
    });
    expect(problems).toEqual([
      {
        path: "attesters.threshold",
        message: `expected at least 2 attesters the relayer can reach (in-process keys or relayer.attesterUrls), found 1; unreachable: ${ATTESTERS[1]}`,
      },
    ]);
    await expect(
      preflight({
        config: configWith(),
        clients: createPublicClients(configWith()),
        relayer: funded,
        attesters: [{ address: ATTESTERS[0] }, { address: ATTESTERS[1], url: down }],
        timeoutMs: 2_000,
      }),
    ).rejects.toThrow(ConfigError);
  });

  it("names a remote attester that refuses the relayer's token", async () => {
    const problems = await check(configWith(), {
      attesters: [
        { address: ATTESTERS[0] },
        { address: ATTESTERS[1], url: attesterUrl, token: "wrong-token-0123456789" },
      ],
    });
    expect(problems).toContainEqual({
      path: `relayer.attesterUrls.${ATTESTERS[1]}`,
      message:
        "expected the attester to accept this relayer's token, it answered 401 (set REMOTE_ATTESTER_TOKENS)",
    });
    expect(problems.map((p) => p.path)).toContain("attesters.threshold");
  });

  it("keeps re-checking for /healthz: an RPC that goes down later is named", async () => {
    const spare = await startAnvil({ chainId: 31338 });
    let stopped = false;
    const config = configWith((c) => {
      c.chains["31338"].rpcUrl = spare.rpcUrl;
      c.chains["31338"].contracts = { vault: deployed.get(31337) ?? "0x" };
    });
    // The vault chain's contract address holds code only on the hub anvil: deploy the same on the spare.
    await deployStop(spare);
    const watch = watchPreflight(
      {
        config,
        clients: createPublicClients(config, { retryCount: 0, timeoutMs: 1_000 }),
        relayer: funded,
        attesters: ATTESTERS.map((address) => ({ address })),
        timeoutMs: 1_000,
      },
      100,
    );
    try {
      await pollUntil(
        async () => watch.problems(),
        (p) => p.length === 0,
        { what: "a clean check" },
      );
      await spare.stop();
      stopped = true;
      const problems = await pollUntil(
        async () => watch.problems(),
        (p) => p.some((x) => x.path === "chains.31338.rpcUrl"),
        { what: "the vault chain's RPC named", timeoutMs: 15_000 },
      );
      expect(problems.find((x) => x.path === "chains.31338.rpcUrl")?.message).toMatch(
        /^expected an RPC answering eth_chainId at http:\/\/127\.0\.0\.1:\d+/,
      );
    } finally {
      watch.stop();
      if (!stopped) await spare.stop();
    }
  });
});
