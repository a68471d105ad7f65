import type { Address, Hex } from "viem";
import { marginHubAbi, mockErc20Abi, mockPriceFeedAbi } from "../../shared/abis/generated.js";
import type { Config, RelayerConfig } from "../../shared/config/schema.js";
import type { ChainClients } from "./chainClients.js";
import { depositCollateral } from "./depositCollateral.js";
import { requestWithdrawal as sendWithdrawalRequest } from "./mixedWorkloadActions.js";
import { mineBlocks, pollWhileMining } from "./pollWhileMining.js";
import { isSynced, type KeyState, readKeyState } from "./readKeyState.js";
import type { IndexedDevnet } from "./startIndexedDevnet.js";
import { writeAndWait } from "./writeAndWait.js";

/** Options of {@link flowsDevnet}. */
export type FlowsDevnetOptions = {
  /** The relayers' reconcile period (`relayerConfig`). */
  reconcileIntervalMs: number;
};

/**
 * The helpers of the relayer's end-to-end flows (`flows.e2e.test.ts`) over one indexed devnet:
 * relayer configs, the demo traders, deposits and withdrawals that wait for the hub, reads of the
 * hub's decisions. `net` is called at each use, so the helpers can be made at module level,
 * before the devnet starts in `beforeAll`.
 *
 * @param net the running devnet
 * @param options the relayer settings of these tests
 * @returns the helpers
 * @example
 * let net: IndexedDevnet;
 * const { trader, depositAndWait } = flowsDevnet(() => net, { reconcileIntervalMs: 1_000 });
 */
export function flowsDevnet(net: () => IndexedDevnet, options: FlowsDevnetOptions) {
  /** Every chain: the hub chain (with its own vault), then the vault chains. */
  const chains = (): ChainClients[] => [net().hub, ...net().vaults];

  /** The devnet config with this file's relayer settings: quick rounds, any HTTP port. */
  function relayerConfig(queuePrefix: string, extra: Partial<RelayerConfig> = {}): Config {
    const base = net().devnet.config;
    return {
      ...base,
      relayer: {
        ...base.relayer,
        queuePrefix,
        port: 0,
        reconcileIntervalMs: options.reconcileIntervalMs,
        attestTimeoutMs: 2_000,
        ...extra,
      },
    };
  }

  function trader(index: number): { address: Address; privateKey: Hex } {
    const found = net().accounts.traders[index];
    if (found === undefined) throw new Error(`no trader ${index}`);
    return found;
  }

  function hubAddress(): Address {
    const hub = net().hub.chain.contracts.hub;
    if (hub === undefined) throw new Error("the hub chain has no MarginHub");
    return hub;
  }

  /** The hub's `index`th perp market (0: ETH-PERP, 1: BTC-PERP on the devnet). */
  function perpMarket(index = 0): Address {
    const market = net().hub.chain.contracts.perpMarkets[index];
    if (market === undefined) throw new Error(`the hub chain has no PerpMarket ${index}`);
    return market;
  }

  const onHub = (key: Hex) => ({
    publicClient: net().hub.publicClient,
    walletClient: net().hub.walletFor(key),
  });

  const keyState = (chain: ChainClients, account: Address, token: Address) =>
    readKeyState({ hub: net().hub, chain, account, token });

  /**
   * Mines on every chain until the hub credits exactly what the vault holds (and `also` holds):
   * the relayer has carried everything final across.
   */
  function waitSynced(
    chain: ChainClients,
    account: Address,
    token: Address,
    what: string,
    also: (state: KeyState) => boolean = () => true,
  ): Promise<KeyState> {
    return pollWhileMining(
      chains(),
      () => keyState(chain, account, token),
      (state) => isSynced(state) && also(state),
      { what, timeoutMs: 90_000 },
    );
  }

  function tokenBalance(chain: ChainClients, token: Address, account: Address): Promise<bigint> {
    return chain.publicClient.readContract({
      address: token,
      abi: mockErc20Abi,
      functionName: "balanceOf",
      args: [account],
    });
  }

  /** Deposits on each chain, mines them final and waits until the hub credits them. */
  async function depositAndWait(
    account: { address: Address; privateKey: Hex },
    deposits: readonly { chain: ChainClients; token: Address; amount: bigint }[],
  ): Promise<KeyState[]> {
    const before = await Promise.all(deposits.map((d) => keyState(d.chain, account.address, d.token)));
    for (const { chain, token, amount } of deposits) {
      await depositCollateral(chain, { key: account.privateKey, token, amount });
    }
    await mineBlocks(chains(), 2);
    return Promise.all(
      deposits.map((d, i) =>
        waitSynced(
          d.chain,
          account.address,
          d.token,
          `a deposit of ${d.amount} on ${d.chain.chain.chainId} credited`,
          (state) => state.vault.balance === (before[i]?.vault.balance ?? 0n) + d.amount,
        ),
      ),
    );
  }

  /** `requestWithdrawal` on the chain's vault, mined final; returns the request's guid. */
  async function requestWithdrawal(
    chain: ChainClients,
    account: { privateKey: Hex },
    token: Address,
    amount: bigint,
  ): Promise<Hex> {
    const guid = await sendWithdrawalRequest(chain, account.privateKey, token, amount);
    await mineBlocks(chains(), 2);
    return guid;
  }

  /** The hub's decision on a withdrawal request, with the block it was made in. */
  async function withdrawalDecision(requestGuid: Hex): Promise<{ approved: boolean; blockNumber: bigint }> {
    const [decided] = await net().hub.publicClient.getContractEvents({
      address: hubAddress(),
      abi: marginHubAbi,
      eventName: "WithdrawalDecided",
      args: { requestGuid },
      fromBlock: 0n,
    });
    if (decided === undefined) throw new Error(`no WithdrawalDecided for ${requestGuid}`);
    return { approved: decided.args.approved ?? false, blockNumber: decided.blockNumber };
  }

  async function setEthPrice(answer: bigint): Promise<void> {
    await writeAndWait(onHub(net().accounts.deployer.privateKey), {
      address: net().devnet.manifest.devnet.perpFeed,
      abi: mockPriceFeedAbi,
      functionName: "setAnswer",
      args: [answer],
    });
  }

  return {
    relayerConfig,
    trader,
    hubAddress,
    perpMarket,
    onHub,
    keyState,
    waitSynced,
    tokenBalance,
    depositAndWait,
    requestWithdrawal,
    withdrawalDecision,
    setEthPrice,
  };
}
