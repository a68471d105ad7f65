import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mockPriceFeedAbi, mockPriceFeedBytecode } from "../../../shared/abis/generated.js";
import { type StartAnvilReturnType, startAnvil } from "../../../test/kit/anvil.js";
import { deploy } from "../../../test/kit/deploy.js";
import { writeAndWait } from "../../../test/kit/writeAndWait.js";
import { readFeed, readFeedDecimals } from "./readFeed.js";

let anvil: StartAnvilReturnType;

beforeAll(async () => {
  anvil = await startAnvil();
});

afterAll(async () => {
  await anvil?.stop();
});

describe("readFeed", () => {
  test("reads decimals and the round at the given block, not the latest one", async () => {
    const { address: feed, receipt } = await deploy(anvil, {
      abi: mockPriceFeedAbi,
      bytecode: mockPriceFeedBytecode,
      args: [6, 1_000_000n, "X / USD"],
    });
    const deployed = receipt.blockNumber;
    await writeAndWait(anvil, {
      address: feed,
      abi: mockPriceFeedAbi,
      functionName: "setAnswer",
      args: [2_500_000n],
    });

    const then = await readFeed(anvil.publicClient, feed, { blockNumber: deployed });
    expect(then).toMatchObject({ decimals: 6, answer: 1_000_000n, roundId: 1n });
    const now = await readFeed(anvil.publicClient, feed, {
      blockNumber: await anvil.publicClient.getBlockNumber(),
    });
    expect(now).toMatchObject({ decimals: 6, answer: 2_500_000n, roundId: 2n });
    expect(await readFeedDecimals(anvil.publicClient, feed, deployed)).toBe(6);
  });

  test("known decimals are taken as given (a feed's decimals never change), the round is still read", async () => {
    const { address: feed, receipt } = await deploy(anvil, {
      abi: mockPriceFeedAbi,
      bytecode: mockPriceFeedBytecode,
      args: [8, 42n, "Y / USD"],
    });
    const read = await readFeed(anvil.publicClient, feed, { blockNumber: receipt.blockNumber, decimals: 18 });
    expect(read).toMatchObject({ decimals: 18, answer: 42n });
  });

  test("a block before the feed existed fails instead of answering", async () => {
    const { address: feed, receipt } = await deploy(anvil, {
      abi: mockPriceFeedAbi,
      bytecode: mockPriceFeedBytecode,
      args: [8, 42n, "Z / USD"],
    });
    await expect(readFeedDecimals(anvil.publicClient, feed, receipt.blockNumber - 1n)).rejects.toThrow(
      /decimals/,
    );
  });
});
