import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

/** A devnet account with its key (public anvil test keys: never use them anywhere real). */
export type DevnetAccount = { address: Address; privateKey: Hex };

/** Every role the devnet hands out. */
export type DevnetAccounts = {
  /** Deploys and owns every contract; also the guardian. Anvil account 0. */
  deployer: DevnetAccount;
  /** The attester set (threshold {@link ATTESTER_THRESHOLD}), sorted by address ascending. */
  attesters: DevnetAccount[];
  /** Submits relayed packets. */
  relayer: DevnetAccount;
  /** Demo traders holding demo tokens on every chain. */
  traders: DevnetAccount[];
  /** Calls `liquidate`. */
  liquidator: DevnetAccount;
  /** The hub's risk admin: `crossmargin risk` proposes haircuts with it. Anvil account 9. */
  risk: DevnetAccount;
};

/** Signatures an attestation needs on the devnet. */
export const ATTESTER_THRESHOLD = 2;

/**
 * Private keys of anvil's default accounts (mnemonic `test test … junk`, indexes 0–9), as
 * printed by anvil itself.
 */
const ANVIL_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
  "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
  "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
  "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
  "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
  "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
] as const satisfies readonly Hex[];

function anvilAccount(index: number): DevnetAccount {
  const privateKey = ANVIL_KEYS[index];
  if (privateKey === undefined) throw new RangeError(`anvil has no default account ${index}`);
  return { address: privateKeyToAccount(privateKey).address, privateKey };
}

/**
 * The devnet's fixed accounts: deployer = anvil account 0, attesters = accounts 1–3 (sorted by
 * address, as the contracts require), relayer = 4, liquidator = 5, traders = 6–8, risk admin = 9.
 *
 * @returns fresh copies of every role's address and key
 * @example
 * const { deployer, traders } = getDevnetAccounts();
 */
export function getDevnetAccounts(): DevnetAccounts {
  const attesters = [1, 2, 3]
    .map(anvilAccount)
    .sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  return {
    deployer: anvilAccount(0),
    attesters,
    relayer: anvilAccount(4),
    liquidator: anvilAccount(5),
    traders: [6, 7, 8].map(anvilAccount),
    risk: anvilAccount(9),
  };
}
