import {
  type Address,
  ContractFunctionZeroDataError,
  createPublicClient,
  getAddress,
  http,
  keccak256,
  toHex,
  BaseError as ViemBaseError,
} from "viem";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { freePort } from "../scripts/devnet/freePort.js";
import { bulkDepositorAbi, bulkDepositorBytecode, collateralVaultAbi } from "../shared/abis/generated.js";
import { deriveAccount } from "../test/kit/deriveAccount.js";
import { revertDeploylessCalls } from "../test/kit/revertDeploylessCalls.js";
import { type AttesterDevnet, startAttesterDevnet, type TestChain } from "../test/kit/startAttesterDevnet.js";
import { writeAndWait } from "../test/kit/writeAndWait.js";
import { ACCOUNT_STATES_PER_CALL, type AccountStateKey, readAccountStates } from "./readAccountStates.js";

let net: AttesterDevnet;
let vault: TestChain;
let usdc: Address;
let bulk: Address;
const salt = keccak256(toHex("crossmargin/relayer/readAccountStates"));

/** Account `i` of `salt`, as `BulkDepositor.accountAt` derives it. */
const accountAt = (i: number): Address => deriveAccount(salt, BigInt(i));

async function depositMany(start: number, count: number, amount: bigint): Promise<bigint> {
  const wallet = {
    publicClient: vault.publicClient,
    walletClient: vault.walletFor(net.accounts.deployer.privateKey),
  };
  const receipt = await writeAndWait(wallet, {
    address: bulk,
    abi: bulkDepositorAbi,
    functionName: "depositMany",
    args: [usdc, salt, BigInt(start), BigInt(count), amount],
  });
  return receipt.blockNumber;
}

beforeAll(async () => {
  net = await startAttesterDevnet({ finalityDepth: 0 });
  vault = net.vaults[0];
  usdc = vault.chain.tokens.USDC?.address ?? "0x";
  const walletClient = vault.walletFor(net.accounts.deployer.privateKey);
  const hash = await walletClient.deployContract({
    abi: bulkDepositorAbi,
    bytecode: bulkDepositorBytecode,
    args: [vault.chain.contracts.vault],
  });
  const address = (await vault.publicClient.waitForTransactionReceipt({ hash })).contractAddress;
  if (address == null) throw new Error("BulkDepositor was not deployed");
  bulk = address;
}, 60_000);

afterAll(async () => {
  await net?.stop();
});

describe("readAccountStates", () => {
  test("many keys over several calls read exactly what accountState says at the given block, not later", async () => {
    const count = ACCOUNT_STATES_PER_CALL * 2 + 7; // three calls, the last one partial
    const block = await depositMany(0, count - 10, 5n); // the last 10 keys stay empty at `block`
    await depositMany(0, count, 3n); // a later block changes every key
    const keys: AccountStateKey[] = Array.from({ length: count }, (_, i) => ({
      account: accountAt(i),
      token: usdc,
    }));

    const reads = await readAccountStates({
      client: net.clients.get(vault.chain.chainId) ?? vault.publicClient,
      vault: vault.chain.contracts.vault,
      keys,
      blockNumber: block,
    });

    expect(reads).toHaveLength(count);
    const expected = await Promise.all(
      keys.map((key) =>
        vault.publicClient.readContract({
          address: vault.chain.contracts.vault,
          abi: collateralVaultAbi,
          functionName: "accountState",
          args: [key.account, key.token],
          blockNumber: block,
        }),
      ),
    );
    reads.forEach((read, i) => {
      const [balance, pending, seq, inboundNonce] = expected[i] ?? [];
      expect(read).toEqual({ status: "success", state: { balance, pending, seq, inboundNonce } });
    });
    expect(reads[0]).toEqual({
      status: "success",
      state: { balance: 5n, pending: 0n, seq: 1n, inboundNonce: 0n },
    });
    expect(reads[count - 1]).toEqual({
      status: "success",
      state: { balance: 0n, pending: 0n, seq: 0n, inboundNonce: 0n },
    });
  });

  test("an address with no code at that block fails each key on its own (scope key)", async () => {
    const reads = await readAccountStates({
      client: vault.publicClient,
      vault: getAddress(`0x${"5a".repeat(20)}`),
      keys: [
        { account: accountAt(0), token: usdc },
        { account: accountAt(1), token: usdc },
      ],
      blockNumber: await vault.publicClient.getBlockNumber(),
    });
    expect(reads.map((read) => read.status === "failure" && read.scope)).toEqual(["key", "key"]);
    for (const read of reads) {
      if (read.status !== "failure" || !(read.error instanceof ViemBaseError))
        throw new Error("expected a viem failure");
      expect(read.error.walk((e) => e instanceof ContractFunctionZeroDataError)).toBeInstanceOf(
        ContractFunctionZeroDataError,
      );
    }
  });

  test("an RPC that does not answer fails every key with scope call", async () => {
    const down = createPublicClient({
      transport: http(`http://127.0.0.1:${await freePort()}`, { retryCount: 0 }),
    });
    const keys = Array.from({ length: ACCOUNT_STATES_PER_CALL + 1 }, (_, i) => ({
      account: accountAt(i),
      token: usdc,
    }));
    const reads = await readAccountStates({
      client: down,
      vault: vault.chain.contracts.vault,
      keys,
      blockNumber: 1n,
    });
    expect(reads).toHaveLength(keys.length);
    expect(new Set(reads.map((read) => read.status === "failure" && read.scope))).toEqual(new Set(["call"]));
  });

  test("a call the node reverts as a whole fails every key with scope call, not key", async () => {
    const keys = [0, 1, 2].map((i) => ({ account: accountAt(i), token: usdc }));
    const reads = await readAccountStates({
      client: revertDeploylessCalls(vault.publicClient),
      vault: vault.chain.contracts.vault,
      keys,
      blockNumber: await vault.publicClient.getBlockNumber(),
    });
    expect(reads.map((read) => read.status === "failure" && read.scope)).toEqual(["call", "call", "call"]);
  });
});
