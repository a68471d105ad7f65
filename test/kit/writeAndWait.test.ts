import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mockPriceFeedAbi, mockPriceFeedBytecode } from "../../shared/abis/generated.js";
import { type StartAnvilReturnType, startAnvil } from "./anvil.js";
import { deploy } from "./deploy.js";
import { writeAndWait } from "./writeAndWait.js";

describe("writeAndWait", () => {
  let anvil: StartAnvilReturnType;

  beforeAll(async () => {
    anvil = await startAnvil();
  });
  afterAll(async () => {
    await anvil?.stop();
  });

  // The gas estimate runs against the pending block, the transaction against the block it lands
  // in: a write whose cost depends on the block (here `updatedAt = block.timestamp`, an SSTORE that
  // is a no-op when the timestamp did not move) ran out of gas on chain now and then.
  it("sends with headroom over the estimate, so back-to-back writes whose cost depends on the block land", async () => {
    const { address } = await deploy(anvil, {
      abi: mockPriceFeedAbi,
      bytecode: mockPriceFeedBytecode,
      args: [8, 1n, "X / USD"],
    });
    for (let i = 0; i < 30; i++) {
      const receipt = await writeAndWait(anvil, {
        address,
        abi: mockPriceFeedAbi,
        functionName: "setAnswer",
        args: [i % 2 === 0 ? -350_000_000_000n : 300_000_000_000n],
      });
      expect(receipt.status).toBe("success");
      const tx = await anvil.publicClient.getTransaction({ hash: receipt.transactionHash });
      // An exact estimate leaves the limit at what the call used; the headroom lies above it.
      expect(tx.gas).toBeGreaterThan(receipt.gasUsed);
    }
  });
});
