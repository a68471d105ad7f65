import { type Address, getAddress, keccak256, parseEther, parseUnits, slice, toHex } from "viem";
import { type ChainClients, tokenAddress } from "./chainClients.js";
import type { PlannedDeposit } from "./depositForMany.js";
import { randomInt } from "./seededRandom.js";

/** Parameters of {@link planDeposits}. */
/** The tokens the relayer's end-to-end tests deposit, with the range of one deposit. */
export const TEST_DEPOSIT_TOKENS = [
  { symbol: "USDC", min: parseUnits("1", 6), max: parseUnits("500", 6) },
  { symbol: "wstETH", min: parseEther("0.001"), max: parseEther("0.05") },
] as const;

export type PlanDepositsParameters = {
  /** Names the account family: different labels give different accounts. */
  label: string;
  /** Number of deposits. */
  count: number;
  /** Number of distinct accounts they are spread over (several deposits per key raise its seq). */
  accounts: number;
  /** The vault chains to deposit on. */
  chains: readonly ChainClients[];
  /** Token symbols (each listed on every chain), with the smallest and largest amount in token units. */
  tokens: readonly { symbol: string; min: bigint; max: bigint }[];
  /** Random source (seeded, for a reproducible plan). */
  random: () => number;
};

/**
 * Plans `count` deposits for fresh accounts (derived from `label`, never used elsewhere), each on
 * a random chain, in a random token, of a random amount.
 *
 * @param parameters label, sizes, chains, tokens, random source
 * @returns the deposits, in sending order
 */
export function planDeposits(parameters: PlanDepositsParameters): PlannedDeposit[] {
  const { random, chains, tokens } = parameters;
  const accounts = Array.from({ length: parameters.accounts }, (_, i) => deriveAccount(parameters.label, i));
  return Array.from({ length: parameters.count }, () => {
    const chain = chains[randomInt(random, 0, chains.length - 1)];
    const token = tokens[randomInt(random, 0, tokens.length - 1)];
    const account = accounts[randomInt(random, 0, accounts.length - 1)];
    if (chain === undefined || token === undefined || account === undefined)
      throw new Error("empty plan inputs");
    const span = token.max - token.min;
    const amount = token.min + (span * BigInt(Math.floor(random() * 1_000_000))) / 1_000_000n;
    return { chainId: chain.chain.chainId, account, token: tokenAddress(chain, token.symbol), amount };
  });
}

/** Account `index` of the family `label`: the low 20 bytes of `keccak256(label-index)`. */
function deriveAccount(label: string, index: number): Address {
  return getAddress(slice(keccak256(toHex(`${label}-${index}`)), 12));
}
