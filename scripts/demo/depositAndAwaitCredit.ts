import { maxUint256, parseEventLogs } from "viem";
import { collateralVaultAbi, marginHubAbi, mockErc20Abi } from "../../shared/abis/generated.js";
import type { DevnetAccount } from "../devnet/accounts.js";
import { awaitStep } from "./awaitStep.js";
import { demoToken } from "./demoChainById.js";
import { DemoStepFailedError } from "./errors.js";
import { formatSeconds, formatToken } from "./format.js";
import { sendCall } from "./sendCall.js";
import type { CreditedDeposit, DemoChain, DemoContext } from "./types.js";

/** Parameters of {@link depositAndAwaitCredit}. */
export type DepositAndAwaitCreditParameters = {
  /** The step, named in errors. */
  step: string;
  chain: DemoChain;
  trader: DevnetAccount;
  /** A plain ERC-20 collateral of the chain (`USDC`, `wstETH`, `UNI-V2`: open-mint mocks on the devnet). */
  symbol: string;
  amount: bigint;
};

/**
 * Deposits collateral at a vault (minting the mock token first if the wallet is short, approving
 * the vault if needed), then waits until the relayer has carried it to the hub: until
 * `MarginHub.creditedBalance(account, chainId, token)` reaches the deposit's seq.
 *
 * @param context the demo context
 * @param parameters step, chain, trader, token symbol and amount
 * @returns the deposit and its credit
 * @throws {DemoStepTimeoutError} when the hub does not credit it in time
 */
export async function depositAndAwaitCredit(
  context: DemoContext,
  parameters: DepositAndAwaitCreditParameters,
): Promise<CreditedDeposit> {
  const { chain, trader, amount, step } = parameters;
  const chainId = chain.config.chainId;
  const token = demoToken(step, chain, parameters.symbol);
  const vault = chain.config.contracts.vault;
  const send = { step, key: trader.privateKey, timeoutMs: context.stepTimeoutMs };
  const held = await chain.publicClient.readContract({
    address: token.address,
    abi: mockErc20Abi,
    functionName: "balanceOf",
    args: [trader.address],
  });
  if (held < amount) {
    await sendCall(chain, {
      ...send,
      address: token.address,
      abi: mockErc20Abi,
      functionName: "mint",
      args: [trader.address, amount - held],
    });
  }
  const allowance = await chain.publicClient.readContract({
    address: token.address,
    abi: mockErc20Abi,
    functionName: "allowance",
    args: [trader.address, vault],
  });
  if (allowance < amount) {
    await sendCall(chain, {
      ...send,
      address: token.address,
      abi: mockErc20Abi,
      functionName: "approve",
      args: [vault, maxUint256],
    });
  }
  const receipt = await sendCall(chain, {
    ...send,
    address: vault,
    abi: collateralVaultAbi,
    functionName: "deposit",
    args: [token.address, amount],
  });
  const depositedAt = Date.now();
  const [deposited] = parseEventLogs({ abi: collateralVaultAbi, logs: receipt.logs, eventName: "Deposited" });
  if (deposited === undefined)
    throw new DemoStepFailedError(step, `the deposit ${receipt.transactionHash} emitted no Deposited event`);
  const { seq, balance } = deposited.args;
  const label = formatToken(amount, token.decimals, parameters.symbol);
  context.log(
    `   deposit ${label} on chain ${chainId}: tx ${receipt.transactionHash} (block ${receipt.blockNumber}); vault balance ${formatToken(balance, token.decimals, parameters.symbol)}, seq ${seq}`,
  );

  const [credited] = await awaitStep({
    step,
    awaited: `MarginHub.creditedBalance(${trader.address}, ${chainId}, ${parameters.symbol}) to reach seq ${seq} (the relayer carries final vault state to the hub)`,
    read: () =>
      context.hub.publicClient.readContract({
        address: context.hub.hub,
        abi: marginHubAbi,
        functionName: "creditedBalance",
        args: [trader.address, BigInt(chainId), token.address],
      }),
    done: ([, creditedSeq]) => BigInt(creditedSeq) >= seq,
    describe: ([value, creditedSeq]) => `credited ${value} at seq ${creditedSeq}`,
    timeoutMs: context.stepTimeoutMs,
    intervalMs: context.pollingMs,
  });
  const creditedAfterMs = Date.now() - depositedAt;
  context.log(
    `   credited on hub ${context.hub.config.chainId} after ${formatSeconds(creditedAfterMs)}: ${formatToken(credited, token.decimals, parameters.symbol)} from chain ${chainId} (seq ${seq})`,
  );
  return {
    chainId,
    symbol: parameters.symbol,
    token: token.address,
    amount,
    txHash: receipt.transactionHash,
    seq,
    credited,
    creditedAfterMs,
  };
}
