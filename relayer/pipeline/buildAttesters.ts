import type { PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Config } from "../../shared/config/schema.js";
import { createLocalAttester } from "../attester/createLocalAttester.js";
import { createRemoteAttester } from "../attester/createRemoteAttester.js";
import type { Attester } from "../attester/types.js";
import type { RelayerKeys } from "./resolveKeys.js";

/**
 * The attesters the relayer asks: a remote one for each address with a URL in
 * `relayer.attesterUrls`, an in-process one for each key given; addresses with neither are left out.
 *
 * @param config the parsed config
 * @param keys in-process attester keys
 * @param clients public clients the in-process attesters read with
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
      attesters.push(createRemoteAttester({ address, url, timeoutMs: config.relayer.attestTimeoutMs }));
      continue;
    }
    const key = local.get(address.toLowerCase());
    if (key !== undefined) attesters.push(createLocalAttester({ config, clients, privateKey: key }));
  }
  return attesters;
}
