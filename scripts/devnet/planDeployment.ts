import {
  type Abi,
  type Address,
  encodeDeployData,
  encodeFunctionData,
  getContractAddress,
  type Hex,
  zeroAddress,
  zeroHash,
} from "viem";
import {
  collateralVaultAbi,
  collateralVaultBytecode,
  crossmarginTimelockAbi,
  crossmarginTimelockBytecode,
  marginHubAbi,
  marginHubBytecode,
  marginHubExtensionAbi,
  marginHubExtensionBytecode,
  mockErc20Abi,
  mockErc20Bytecode,
  mockErc4626Abi,
  mockErc4626Bytecode,
  mockPriceFeedAbi,
  mockPriceFeedBytecode,
  perpMarketAbi,
  perpMarketBytecode,
} from "../../shared/abis/generated.js";
import { ATTESTER_THRESHOLD, type DevnetAccounts } from "./accounts.js";
import {
  DEMO_PERPS,
  DEMO_TOKENS,
  DEVNET_CLOSE_FACTOR,
  DEVNET_HEARTBEAT,
  DEVNET_ROUTE_LIMIT,
  DEVNET_TIMELOCK_DELAY,
  type DemoPerp,
  type DemoToken,
  devnetHaircutBounds,
  FEED_DECIMALS,
  MAX_ATTESTATION_AGE,
} from "./demoAssets.js";

/**
 * Contract addresses per chain id, keyed by name (`hub`, `vault`, `perp:<market symbol>`, a token
 * symbol, `feed:<symbol>`).
 */
export type AddressBook = Map<number, Map<string, Address>>;

/**
 * One transaction of the deployment. Steps of one level only depend on steps of lower levels,
 * so a whole level is sent at once (explicit nonces) and mined together.
 */
export type Step = {
  /** What the step does, for progress and errors (e.g. `MarginHub.setVault(31338)`). */
  label: string;
  /** Lower levels first (the hub's extension is −1, the rest start at 0); a step's gas is estimated once every lower level is mined. */
  level: number;
  /** Name under which a deployed contract's address is recorded in the {@link AddressBook}. */
  deploys?: string;
  /** ABI used to decode a revert. */
  abi: Abi;
  /** Call target (absent for a deployment). */
  to?: (book: AddressBook) => Address;
  /** Calldata or creation code; address arguments are read from the complete address book. */
  data: (book: AddressBook) => Hex;
  /** Nonce, set by {@link planDeployment}. */
  nonce: number;
};

/** A chain to deploy on. */
export type PlannedChain = { chainId: number; role: "hub" | "vault"; startNonce: number };

/** Parameters of {@link planDeployment}. */
export type PlanDeploymentParameters = {
  /** Every chain; exactly one with role `hub`. */
  chains: PlannedChain[];
  accounts: DevnetAccounts;
};

/** The deployment plan: each chain's steps in nonce order, and every address they create. */
export type PlanDeploymentReturnType = { steps: Map<number, Step[]>; book: AddressBook };

type Draft = Omit<Step, "nonce">;

/**
 * Plans the whole devnet deployment: every transaction of every chain, its nonce and so every
 * contract address, before anything is sent. Knowing all addresses up front lets vaults be built
 * with the hub's address and the hub be configured with every vault and token while all chains
 * deploy in parallel.
 *
 * @param params the chains (with the deployer's next nonce on each) and the devnet accounts
 * @returns steps per chain sorted by level then nonce, and the address book
 * @example
 * const { steps, book } = planDeployment({ chains, accounts: getDevnetAccounts() });
 */
export function planDeployment(params: PlanDeploymentParameters): PlanDeploymentReturnType {
  const hub = params.chains.find((chain) => chain.role === "hub");
  if (hub === undefined) throw new Error("planDeployment: no hub chain");
  const book: AddressBook = new Map();
  const steps = new Map<number, Step[]>();
  for (const chain of params.chains) {
    const drafts = [
      ...(chain.role === "hub" ? hubDrafts(hub.chainId, params) : []),
      ...collateralDrafts(chain.chainId, hub.chainId, params.accounts),
      ...governanceDrafts(
        chain.chainId,
        chain.role === "hub"
          ? ["hub", ...DEMO_PERPS.map((perp) => perpName(perp.symbol)), "vault"]
          : ["vault"],
        params.accounts,
      ),
    ];
    // Within a level, deployments go first: their order fixes their addresses.
    const ordered = drafts
      .map((draft, index) => ({ draft, index }))
      .sort((a, b) => a.draft.level - b.draft.level || deployFirst(a.draft, b.draft) || a.index - b.index)
      .map(({ draft }, offset): Step => ({ ...draft, nonce: chain.startNonce + offset }));
    const addresses = new Map<string, Address>();
    for (const step of ordered) {
      if (step.deploys === undefined) continue;
      const from = params.accounts.deployer.address;
      addresses.set(step.deploys, getContractAddress({ from, nonce: BigInt(step.nonce) }));
    }
    book.set(chain.chainId, addresses);
    steps.set(chain.chainId, ordered);
  }
  return { steps, book };
}

/**
 * Reads an address from the book.
 *
 * @param book the address book
 * @param chainId the chain
 * @param name the contract's name in the book
 * @returns the address
 * @throws Error when the plan has no such contract (a bug in the plan)
 */
export function addressOf(book: AddressBook, chainId: number, name: string): Address {
  const address = book.get(chainId)?.get(name);
  if (address === undefined) throw new Error(`devnet plan: no ${name} on chain ${chainId}`);
  return address;
}

function deployFirst(a: Draft, b: Draft): number {
  return Number(b.deploys !== undefined) - Number(a.deploys !== undefined);
}

/** The address book's name of the perp market with this symbol (`perp:ETH-PERP`). */
export function perpName(symbol: string): string {
  return `perp:${symbol}`;
}

/** Feeds, the hub, its vault and collateral registrations, the perp markets (hub chain only). */
function hubDrafts(hubChainId: number, params: PlanDeploymentParameters): Draft[] {
  return [
    ...feedDrafts(),
    hubExtensionDeployDraft(),
    hubDeployDraft(params.accounts, hubChainId),
    riskAdminDraft(hubChainId, params.accounts),
    ...params.chains.flatMap((chain) => registrationDrafts(hubChainId, chain.chainId)),
    ...DEMO_PERPS.flatMap((perp) => perpDrafts(hubChainId, perp, params.accounts)),
  ];
}

/** Demo tokens, the vault and its allow-list, the traders' balances (every chain). */
function collateralDrafts(chainId: number, hubChainId: number, accounts: DevnetAccounts): Draft[] {
  const at = (name: string) => (book: AddressBook) => addressOf(book, chainId, name);
  const drafts: Draft[] = [];
  for (const token of DEMO_TOKENS) {
    const plain = token.underlying ?? token;
    drafts.push(erc20Deploy(plain.symbol, plain.name, plain.decimals));
    for (const trader of accounts.traders)
      drafts.push(mint(plain.symbol, trader.address, plain.mintPerTrader, at));
    if (token.underlying !== undefined) drafts.push(...erc4626Drafts(chainId, token, accounts));
  }
  drafts.push(vaultDeployDraft(hubChainId, accounts));
  for (const token of DEMO_TOKENS) {
    drafts.push({
      label: `CollateralVault.configureToken(${token.symbol})`,
      level: 1,
      abi: collateralVaultAbi,
      to: at("vault"),
      data: (book) =>
        encodeFunctionData({
          abi: collateralVaultAbi,
          functionName: "configureToken",
          args: [addressOf(book, chainId, token.symbol), true, token.depositCap],
        }),
    });
  }
  return drafts;
}

/** One price feed per collateral symbol and one per perp market (hub chain). */
function feedDrafts(): Draft[] {
  const feeds = [
    ...DEMO_TOKENS.map((token) => ({ symbol: token.symbol, price: token.price })),
    ...DEMO_PERPS.map((perp) => ({ symbol: perp.feedSymbol, price: perp.price })),
  ];
  return feeds.map(({ symbol, price }) => ({
    label: `MockPriceFeed ${symbol}`,
    level: 0,
    deploys: `feed:${symbol}`,
    abi: mockPriceFeedAbi,
    data: () =>
      encodeDeployData({
        abi: mockPriceFeedAbi,
        bytecode: mockPriceFeedBytecode,
        args: [FEED_DECIMALS, price, `${symbol.replace(/-USD$/, "")} / USD`],
      }),
  }));
}

/**
 * The hub's extension (its own deployment keeps the hub's creation code within EIP-3860). Level −1:
 * the hub's constructor checks the extension's code, so it is mined before level 0 is estimated.
 */
function hubExtensionDeployDraft(): Draft {
  return {
    label: "MarginHubExtension",
    level: -1,
    deploys: "hubExtension",
    abi: marginHubExtensionAbi,
    data: () => encodeDeployData({ abi: marginHubExtensionAbi, bytecode: marginHubExtensionBytecode }),
  };
}

function hubDeployDraft({ deployer, attesters }: DevnetAccounts, hubChainId: number): Draft {
  return {
    label: "MarginHub",
    level: 0,
    deploys: "hub",
    abi: marginHubAbi,
    data: (book) =>
      encodeDeployData({
        abi: marginHubAbi,
        bytecode: marginHubBytecode,
        args: [
          deployer.address,
          attesters.map((a) => a.address),
          ATTESTER_THRESHOLD,
          deployer.address,
          BigInt(MAX_ATTESTATION_AGE),
          addressOf(book, hubChainId, "hubExtension"),
        ],
      }),
  };
}

/** The devnet's risk admin (`crossmargin risk` signs with its key), set before the timelock takes over. */
function riskAdminDraft(hubChainId: number, { risk }: DevnetAccounts): Draft {
  return {
    label: "MarginHub.setRiskAdmin",
    level: 1,
    abi: marginHubAbi,
    to: (book) => addressOf(book, hubChainId, "hub"),
    data: () => encodeFunctionData({ abi: marginHubAbi, functionName: "setRiskAdmin", args: [risk.address] }),
  };
}

/**
 * `setVault` for one chain and `setCollateral` for each of its tokens; on the hub chain also its
 * route limit and the close factor.
 */
function registrationDrafts(hubChainId: number, chainId: number): Draft[] {
  const hub = (book: AddressBook) => addressOf(book, hubChainId, "hub");
  const setVault: Draft = {
    label: `MarginHub.setVault(${chainId})`,
    level: 1,
    abi: marginHubAbi,
    to: hub,
    data: (book) =>
      encodeFunctionData({
        abi: marginHubAbi,
        functionName: "setVault",
        args: [chainId, addressOf(book, chainId, "vault")],
      }),
  };
  const setCollaterals = DEMO_TOKENS.map(
    (token): Draft => ({
      label: `MarginHub.setCollateral(${chainId}, ${token.symbol})`,
      level: 1,
      abi: marginHubAbi,
      to: hub,
      data: (book) =>
        encodeFunctionData({
          abi: marginHubAbi,
          functionName: "setCollateral",
          args: [
            BigInt(chainId),
            addressOf(book, chainId, token.symbol),
            {
              feed: addressOf(book, hubChainId, `feed:${token.symbol}`),
              heartbeat: DEVNET_HEARTBEAT,
              tokenDecimals: token.decimals,
              haircutBps: token.haircutBps,
              liquidationThresholdBps: token.liquidationThresholdBps,
              liquidationBonusBps: token.liquidationBonusBps,
              capPerAccount: token.capPerAccount,
            },
          ],
        }),
    }),
  );
  const setBounds = DEMO_TOKENS.map((token): Draft => {
    const b = devnetHaircutBounds(token);
    return {
      label: `MarginHub.setHaircutBounds(${chainId}, ${token.symbol})`,
      // Level 2: a level's steps are estimated before any of them lands, and the bounds need the collateral.
      level: 2,
      abi: marginHubAbi,
      to: hub,
      data: (book) =>
        encodeFunctionData({
          abi: marginHubAbi,
          functionName: "setHaircutBounds",
          args: [
            BigInt(chainId),
            addressOf(book, chainId, token.symbol),
            b.minBps,
            b.maxBps,
            b.maxStepBpsPerDay,
          ],
        }),
    };
  });
  if (chainId !== hubChainId) return [setVault, ...setCollaterals, ...setBounds];
  const setRouteLimit: Draft = {
    label: `MarginHub.setRouteLimit(${chainId})`,
    level: 1,
    abi: marginHubAbi,
    to: hub,
    data: () =>
      encodeFunctionData({
        abi: marginHubAbi,
        functionName: "setRouteLimit",
        args: [chainId, DEVNET_ROUTE_LIMIT.capacityUsd, DEVNET_ROUTE_LIMIT.refillPerSecondUsd],
      }),
  };
  const setCloseFactor: Draft = {
    label: "MarginHub.setCloseFactor",
    level: 1,
    abi: marginHubAbi,
    to: hub,
    data: () =>
      encodeFunctionData({
        abi: marginHubAbi,
        functionName: "setCloseFactor",
        args: [DEVNET_CLOSE_FACTOR.closeFactorBps, DEVNET_CLOSE_FACTOR.fullLiquidationHealthBps],
      }),
  };
  return [setVault, ...setCollaterals, ...setBounds, setRouteLimit, setCloseFactor];
}

/** One perp market and its registration as a hub consumer (before the timelock takes the hub over). */
function perpDrafts(hubChainId: number, perp: DemoPerp, { deployer }: DevnetAccounts): Draft[] {
  return [
    {
      label: `PerpMarket ${perp.symbol}`,
      level: 1,
      deploys: perpName(perp.symbol),
      abi: perpMarketAbi,
      data: (book) =>
        encodeDeployData({
          abi: perpMarketAbi,
          bytecode: perpMarketBytecode,
          args: [
            deployer.address,
            addressOf(book, hubChainId, "hub"),
            addressOf(book, hubChainId, `feed:${perp.feedSymbol}`),
            perp.heartbeat,
            perp.initialMarginBps,
            perp.maintenanceMarginBps,
            perp.symbol,
          ],
        }),
    },
    {
      label: `MarginHub.addConsumer(${perp.symbol})`,
      level: 2,
      abi: marginHubAbi,
      to: (book) => addressOf(book, hubChainId, "hub"),
      data: (book) =>
        encodeFunctionData({
          abi: marginHubAbi,
          functionName: "addConsumer",
          args: [addressOf(book, hubChainId, perpName(perp.symbol))],
        }),
    },
  ];
}

/**
 * An ERC-4626 demo token over its (already planned) underlying: the deployer mints the underlying
 * to itself, approves the token and deposits for every trader, so traders hold real shares.
 */
function erc4626Drafts(chainId: number, token: DemoToken, { deployer, traders }: DevnetAccounts): Draft[] {
  const asset = token.underlying?.symbol ?? "";
  const at = (name: string) => (book: AddressBook) => addressOf(book, chainId, name);
  const total = token.mintPerTrader * BigInt(traders.length);
  return [
    {
      label: `MockERC4626 ${token.symbol}`,
      level: 1,
      deploys: token.symbol,
      abi: mockErc4626Abi,
      data: (book) =>
        encodeDeployData({
          abi: mockErc4626Abi,
          bytecode: mockErc4626Bytecode,
          args: [addressOf(book, chainId, asset), token.name, token.symbol],
        }),
    },
    mint(asset, deployer.address, total, at),
    {
      label: `${asset}.approve(${token.symbol})`,
      level: 1,
      abi: mockErc20Abi,
      to: at(asset),
      data: (book) =>
        encodeFunctionData({
          abi: mockErc20Abi,
          functionName: "approve",
          args: [addressOf(book, chainId, token.symbol), total],
        }),
    },
    ...traders.map(
      (trader): Draft => ({
        label: `${token.symbol}.deposit(${trader.address})`,
        level: 2,
        abi: mockErc4626Abi,
        to: at(token.symbol),
        data: () =>
          encodeFunctionData({
            abi: mockErc4626Abi,
            functionName: "deposit",
            args: [token.mintPerTrader, trader.address],
          }),
      }),
    ),
  ];
}

/** ABI of an owned contract by its address-book name (`perp:<symbol>` for every perp market). */
function ownedAbi(name: string): Abi {
  if (name === "hub") return marginHubAbi;
  if (name === "vault") return collateralVaultAbi;
  return perpMarketAbi;
}

/**
 * The chain's `CrossmarginTimelock` takes over the contracts the deployer configured: each offers it
 * ownership (`Ownable2Step`, level 3), the timelock accepts all of them in one operation scheduled
 * with delay 0 (levels 4, 5) and, in the same operation, raises its own delay to
 * `DEVNET_TIMELOCK_DELAY`, so every later owner action waits. The deployer stays proposer and executor.
 */
function governanceDrafts(chainId: number, owned: string[], { deployer }: DevnetAccounts): Draft[] {
  const at = (name: string) => (book: AddressBook) => addressOf(book, chainId, name);
  const operation = (book: AddressBook) => {
    const timelock = addressOf(book, chainId, "timelock");
    const targets = [...owned.map((name) => addressOf(book, chainId, name)), timelock];
    const accept = encodeFunctionData({ abi: marginHubAbi, functionName: "acceptOwnership" });
    const payloads = [
      ...owned.map(() => accept),
      encodeFunctionData({
        abi: crossmarginTimelockAbi,
        functionName: "updateDelay",
        args: [BigInt(DEVNET_TIMELOCK_DELAY)],
      }),
    ];
    return [targets, targets.map(() => 0n), payloads, zeroHash, zeroHash] as const;
  };
  return [
    {
      label: "CrossmarginTimelock",
      level: 0,
      deploys: "timelock",
      abi: crossmarginTimelockAbi,
      data: () =>
        encodeDeployData({
          abi: crossmarginTimelockAbi,
          bytecode: crossmarginTimelockBytecode,
          args: [0n, [deployer.address], [deployer.address], zeroAddress],
        }),
    },
    ...owned.map(
      (name): Draft => ({
        label: `${name}.transferOwnership(timelock)`,
        level: 3,
        abi: ownedAbi(name),
        to: at(name),
        data: (book) =>
          encodeFunctionData({
            abi: marginHubAbi,
            functionName: "transferOwnership",
            args: [addressOf(book, chainId, "timelock")],
          }),
      }),
    ),
    {
      label: "CrossmarginTimelock.scheduleBatch(acceptOwnership…, updateDelay)",
      level: 4,
      abi: crossmarginTimelockAbi,
      to: at("timelock"),
      data: (book) =>
        encodeFunctionData({
          abi: crossmarginTimelockAbi,
          functionName: "scheduleBatch",
          args: [...operation(book), 0n],
        }),
    },
    {
      label: "CrossmarginTimelock.executeBatch(acceptOwnership…, updateDelay)",
      level: 5,
      abi: crossmarginTimelockAbi,
      to: at("timelock"),
      data: (book) =>
        encodeFunctionData({
          abi: crossmarginTimelockAbi,
          functionName: "executeBatch",
          args: operation(book),
        }),
    },
  ];
}

function vaultDeployDraft(hubChainId: number, { deployer, attesters }: DevnetAccounts): Draft {
  return {
    label: "CollateralVault",
    level: 0,
    deploys: "vault",
    abi: collateralVaultAbi,
    data: (book) =>
      encodeDeployData({
        abi: collateralVaultAbi,
        bytecode: collateralVaultBytecode,
        args: [
          deployer.address,
          hubChainId,
          addressOf(book, hubChainId, "hub"),
          attesters.map((a) => a.address),
          ATTESTER_THRESHOLD,
          deployer.address,
        ],
      }),
  };
}

function erc20Deploy(symbol: string, name: string, decimals: number): Draft {
  return {
    label: `MockERC20 ${symbol}`,
    level: 0,
    deploys: symbol,
    abi: mockErc20Abi,
    data: () =>
      encodeDeployData({ abi: mockErc20Abi, bytecode: mockErc20Bytecode, args: [name, symbol, decimals] }),
  };
}

function mint(
  symbol: string,
  to: Address,
  amount: bigint,
  at: (name: string) => (book: AddressBook) => Address,
): Draft {
  return {
    label: `${symbol}.mint(${to})`,
    level: 1,
    abi: mockErc20Abi,
    to: at(symbol),
    data: () => encodeFunctionData({ abi: mockErc20Abi, functionName: "mint", args: [to, amount] }),
  };
}
