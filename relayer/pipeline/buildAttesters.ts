import type { Address, PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Config } from "../../shared/config/schema.js";
import { createLocalAttester } from "../attester/createLocalAttester.js";
import { createRemoteAttester } from "../attester/createRemoteAttester.js";
import type { Attester } from "../attester/types.js";
import { createPublicClients } from "../createPublicClients.js";
import type { RelayerKeys } from "./resolveKeys.js";

/**
 * The attesters the relayer asks: a remote one for each address with a URL in
 * `relayer.attesterUrls`, an in-process one for each key given; addresses with neither are left out.
 * An in-process attester reads through its own RPCs where `relayer.attesterRpcUrls` names them,
 * else through the relayer's.
 *
 * @param config the parsed config
 * @param keys in-process attester keys
 * @param clients the relayer's public clients (in-process attesters without their own RPCs read with them)
 * @returns the attesters, in `attesters.addresses` order
 */
export function buildAttesters(
  config: Config,
  keys: RelayerKeys,
  clients: Map<number, PublicClient>,
): Attester[] {
  const attesters: Attester[] = [];
  const local = new Map(keys.attesters.map((key) => [privateKeyToAccount(key).address.toLowerCase(), key]));
  for (const address of config.attesters.addresses) {
    const url = config.relayer.attesterUrls[address];
    if (url !== undefined) {
      const token = keys.attesterTokens?.get(address.toLowerCase());
      attesters.push(
        createRemoteAttester({ address, url, timeoutMs: config.relayer.attestTimeoutMs, token }),
      );
      continue;
    }
    const key = local.get(address.toLowerCase());
    if (key === undefined) continue;
    const own =
      config.relayer.attesterRpcUrls[address] === undefined
        ? clients
        : createPublicClients(attesterView(config, address));
    attesters.push(createLocalAttester({ config, clients: own, privateKey: key }));
  }
  return attesters;
}

/** Chains where several in-process attesters read through one node: one witness, not several. */
export type SharedAttesterNode = { chainId: number; url: string; attesters: Address[] };

/**
 * The nodes that two or more in-process attesters share (`relayer.attesterRpcUrls` gives each its
 * own; without it they read through the chain's `rpcUrl`, as the relayer does).
 *
 * @param config the parsed config
 * @param inProcess the in-process attesters' addresses
 * @returns one entry per chain and shared URL
 */
export function sharedAttesterNodes(config: Config, inProcess: readonly Address[]): SharedAttesterNode[] {
  const shared: SharedAttesterNode[] = [];
  for (const chain of Object.values(config.chains)) {
    const byUrl = new Map<string, Address[]>();
    for (const address of inProcess) {
      const url = config.relayer.attesterRpcUrls[address]?.[String(chain.chainId)] ?? chain.rpcUrl;
      byUrl.set(url, [...(byUrl.get(url) ?? []), address]);
    }
    for (const [url, attesters] of byUrl)
      if (attesters.length > 1) shared.push({ chainId: chain.chainId, url, attesters });
  }
  return shared;
}

/** The config as `address` sees it: each chain's RPC is its own where it has one. */
function attesterView(config: Config, address: Address): Config {
  const urls = config.relayer.attesterRpcUrls[address] ?? {};
  const chains = Object.fromEntries(
    Object.entries(config.chains).map(([id, chain]) => [id, { ...chain, rpcUrl: urls[id] ?? chain.rpcUrl }]),
  );
  return { ...config, chains };
}
