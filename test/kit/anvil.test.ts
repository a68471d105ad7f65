import { createWalletClient, getAddress, http, zeroAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  marginHubAbi,
  marginHubBytecode,
  messageCodecHarnessAbi,
  messageCodecHarnessBytecode,
  mockPriceFeedAbi,
  mockPriceFeedBytecode,
} from "../../shared/abis/generated.js";
import { ANVIL_KEYS, anvilKey, type StartAnvilReturnType, startAnvil } from "./anvil.js";
import { callOutcome } from "./contractRevert.js";
import { DeployFailedError, deploy } from "./deploy.js";

describe("startAnvil / deploy / callOutcome", () => {
  let anvil: StartAnvilReturnType;
  let other: StartAnvilReturnType;

  beforeAll(async () => {
    [anvil, other] = await Promise.all([startAnvil(), startAnvil({ chainId: 4242 })]);
  });
  afterAll(async () => {
    await Promise.all([anvil?.stop(), other?.stop()]);
  });

  it("starts anvils on distinct free ports with the chain id asked for", async () => {
    expect(anvil.rpcUrl).not.toBe(other.rpcUrl);
    expect(await anvil.publicClient.getChainId()).toBe(31337);
    expect(await other.publicClient.getChainId()).toBe(4242);
    expect(anvil.chainId).toBe(31337);
    expect(other.chain.id).toBe(4242);
  });

  it("ANVIL_KEYS are anvil's funded accounts and the wallet is account 0", async () => {
    const accounts = await createWalletClient({ transport: http(anvil.rpcUrl) }).getAddresses();
    expect(accounts).toEqual(ANVIL_KEYS.map((k) => privateKeyToAccount(k).address));
    expect(anvil.walletClient.account.address).toBe(getAddress(accounts[0] ?? zeroAddress));
    expect(anvilKey(9)).toBe(ANVIL_KEYS[9]);
    expect(() => anvilKey(10)).toThrow(RangeError);
  });

  it("deploys an artifact and reads it back", async () => {
    const { address, receipt } = await deploy(anvil, {
      abi: mockPriceFeedAbi,
      bytecode: mockPriceFeedBytecode,
      args: [8, 123n, "X / USD"],
    });
    expect(receipt.status).toBe("success");
    const answer = await anvil.publicClient.readContract({
      address,
      abi: mockPriceFeedAbi,
      functionName: "latestRoundData",
    });
    expect(answer[1]).toBe(123n);
  });

  it("reports a reverting constructor with its decoded custom error", async () => {
    // An extension without code reverts with MarginHub_InvalidExtension.
    const attempt = deploy(anvil, {
      abi: marginHubAbi,
      bytecode: marginHubBytecode,
      args: [
        anvil.walletClient.account.address,
        [anvil.walletClient.account.address],
        1,
        zeroAddress,
        0n,
        zeroAddress,
      ],
    });
    await expect(attempt).rejects.toBeInstanceOf(DeployFailedError);
    await expect(attempt).rejects.toMatchObject({ errorName: "MarginHub_InvalidExtension" });
  });

  it("callOutcome decodes custom errors and returns values", async () => {
    const { address } = await deploy(anvil, {
      abi: messageCodecHarnessAbi,
      bytecode: messageCodecHarnessBytecode,
    });
    const ok = await callOutcome(() =>
      anvil.publicClient.readContract({
        address,
        abi: messageCodecHarnessAbi,
        functionName: "bytes32ToAddress",
        args: [`0x${"00".repeat(12)}${"ab".repeat(20)}`],
      }),
    );
    expect(ok).toEqual({ ok: true, value: getAddress(`0x${"ab".repeat(20)}`) });
    const reverted = await callOutcome(() =>
      anvil.publicClient.readContract({
        address,
        abi: messageCodecHarnessAbi,
        functionName: "decodeHeader",
        args: ["0x01"],
      }),
    );
    expect(reverted).toEqual({ ok: false, revert: { errorName: "MessageCodec_InvalidPacket", args: [1n] } });
  });

  it("stop() ends the process", async () => {
    const short = await startAnvil();
    await short.stop();
    await expect(short.publicClient.getChainId()).rejects.toThrow();
  });
});
