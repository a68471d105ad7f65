import { resolve } from "node:path";
import { DevnetOptionError } from "./errors.js";

/** Options of `startDevnet`; every one has a default. */
export type DevnetOptions = {
  /** Vault-only chains beside the hub chain (default 2; ignored when `vaultChainIds` is given). */
  vaultChains?: number;
  /** The hub chain's id (default 31337). */
  hubChainId?: number;
  /** The vault chains' ids (default: the hub's id + 1, + 2, …). */
  vaultChainIds?: number[];
  /** The hub listens on this port, vault chain i (from 0) on `basePort + 1 + i` (default 8545). */
  basePort?: number;
  /** Seconds between blocks; 0 mines one block per transaction, for fast tests (default 1). */
  blockTimeSeconds?: number;
  /** Blocks after which a block counts as final, written to the manifest (default 2). */
  finalityDepth?: number;
  /** Directory of the lock and the manifest, resolved against the working directory (default `.devnet`). */
  dir?: string;
  /** Write `<dir>/manifest.json` (default true). */
  writeManifest?: boolean;
  /** Progress lines ("starting 3 chains…", "deployed on 31338 in 1.2s"); silent by default. */
  log?: (message: string) => void;
};

/** One chain to start. */
export type DevnetChainSpec = { chainId: number; role: "hub" | "vault"; port: number };

/** {@link DevnetOptions} with defaults applied and checked. */
export type ResolvedDevnetOptions = {
  chains: DevnetChainSpec[];
  blockTimeSeconds: number;
  finalityDepth: number;
  dir: string;
  writeManifest: boolean;
  log: (message: string) => void;
};

const MAX_CHAIN_ID = 2 ** 32 - 1;
const MAX_VAULT_CHAINS = 32;

/**
 * Applies the defaults of `startDevnet`'s options and checks them.
 *
 * @param options the caller's options
 * @returns the chains to start (hub first) and the other settings
 * @throws DevnetOptionError naming the option that is wrong
 * @example
 * resolveDevnetOptions({ vaultChains: 1, basePort: 9000 }).chains;
 * // [{ chainId: 31337, role: "hub", port: 9000 }, { chainId: 31338, role: "vault", port: 9001 }]
 */
export function resolveDevnetOptions(options: DevnetOptions = {}): ResolvedDevnetOptions {
  const hubChainId = options.hubChainId ?? 31337;
  const vaultChains = options.vaultChainIds?.length ?? options.vaultChains ?? 2;
  const vaultChainIds =
    options.vaultChainIds ?? Array.from({ length: vaultChains }, (_, i) => hubChainId + 1 + i);
  const basePort = options.basePort ?? 8545;
  const blockTimeSeconds = options.blockTimeSeconds ?? 1;
  const finalityDepth = options.finalityDepth ?? 2;

  check(
    Number.isSafeInteger(vaultChains) && vaultChains >= 1 && vaultChains <= MAX_VAULT_CHAINS,
    `vaultChains must be an integer from 1 to ${MAX_VAULT_CHAINS}, got ${vaultChains}`,
  );
  const ids = [hubChainId, ...vaultChainIds];
  for (const id of ids) {
    check(
      Number.isSafeInteger(id) && id >= 1 && id <= MAX_CHAIN_ID,
      `chain ids must be integers from 1 to 2^32 − 1, got ${id}`,
    );
  }
  check(new Set(ids).size === ids.length, `chain ids must be distinct, got ${ids.join(", ")}`);
  const lastPort = basePort + vaultChains;
  check(
    Number.isSafeInteger(basePort) && basePort >= 1 && lastPort <= 65_535,
    `basePort must be an integer with basePort + ${vaultChains} ≤ 65535, got ${basePort}`,
  );
  check(
    Number.isFinite(blockTimeSeconds) && blockTimeSeconds >= 0,
    `blockTimeSeconds must be a number ≥ 0 (0 = automine), got ${blockTimeSeconds}`,
  );
  check(
    Number.isSafeInteger(finalityDepth) && finalityDepth >= 0,
    `finalityDepth must be an integer ≥ 0, got ${finalityDepth}`,
  );

  return {
    chains: ids.map((chainId, i) => ({ chainId, role: i === 0 ? "hub" : "vault", port: basePort + i })),
    blockTimeSeconds,
    finalityDepth,
    dir: resolve(options.dir ?? ".devnet"),
    writeManifest: options.writeManifest ?? true,
    log: options.log ?? (() => {}),
  };
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new DevnetOptionError(message);
}
