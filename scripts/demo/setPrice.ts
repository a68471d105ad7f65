import type { Address, Hex } from "viem";
import { mockPriceFeedAbi } from "../../shared/abis/generated.js";
import { sendCall } from "./sendCall.js";
import type { DemoContext } from "./types.js";

/**
 * Sets a devnet price feed's answer (a `MockPriceFeed` on the hub chain; 8 decimals), updated now.
 *
 * @param context the demo context
 * @param parameters step, feed and answer
 * @returns the transaction hash
 */
export async function setPrice(
  context: DemoContext,
  parameters: { step: string; feed: Address; answer: bigint },
): Promise<Hex> {
  const receipt = await sendCall(context.hub, {
    step: parameters.step,
    key: context.deployer.privateKey,
    address: parameters.feed,
    abi: mockPriceFeedAbi,
    functionName: "setAnswer",
    args: [parameters.answer],
    timeoutMs: context.stepTimeoutMs,
  });
  return receipt.transactionHash;
}
