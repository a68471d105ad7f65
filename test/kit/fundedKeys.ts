import { type Address, createTestClient, type Hex, http, keccak256, parseEther, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

/** A private key and its address. */
export type FundedKey = { privateKey: Hex; address: Address };

/**
 * Fresh sending keys for relayer processes (one each, as several relayers on one Redis need),
 * derived from `label`, each given `ether` on every chain with `anvil_setBalance`.
 *
 * @param parameters how many keys, their family name, the anvil RPC URLs, the balance
 * @returns the keys with their addresses
 * @example
 * const keys = await fundedKeys({ count: 3, label: "scaleout", rpcUrls, ether: "100" });
 */
export async function fundedKeys(parameters: {
  count: number;
  label: string;
  rpcUrls: readonly string[];
  ether?: string;
}): Promise<FundedKey[]> {
  const keys = Array.from({ length: parameters.count }, (_, i) => {
    const privateKey = keccak256(toHex(`crossmargin/${parameters.label}/relayer-${i}`));
    return { privateKey, address: privateKeyToAccount(privateKey).address };
  });
  const value = parseEther(parameters.ether ?? "100");
  for (const url of parameters.rpcUrls) {
    const client = createTestClient({ mode: "anvil", transport: http(url) });
    for (const key of keys) await client.setBalance({ address: key.address, value });
  }
  return keys;
}
