import { DevArgsError } from "./errors.js";

/** The settings `npm run dev` takes from its flags. */
export type DevArgs = {
  /** `--help` was given: print {@link DEV_USAGE} and stop. */
  help: boolean;
  vaultChains: number;
  blockTimeSeconds: number;
  basePort: number;
  finalityDepth: number;
};

/** `npm run dev -- --help`. */
export const DEV_USAGE = `Usage: npm run dev -- [options]

Starts a local crossmargin devnet: one anvil hub chain (31337) and N vault chains (31338, …),
every contract deployed and configured, demo tokens minted to the demo traders, and
.devnet/manifest.json written. Runs until Ctrl-C, which stops every chain.

Options:
  --vault-chains <n>     vault chains beside the hub chain, 1 to 32 (default 2)
  --block-time <s>       seconds between blocks, e.g. 1 or 0.5; 0 = a block per transaction (default 1)
  --base-port <port>     the hub's RPC port; vault chain i listens on port + i (default 8545)
  --finality-depth <n>   blocks after which a block counts as final, written to the manifest (default 2)
  -h, --help             show this help
`;

const DEFAULTS = { vaultChains: 2, blockTimeSeconds: 1, basePort: 8545, finalityDepth: 2 } as const;

type Setting = "vaultChains" | "blockTimeSeconds" | "basePort" | "finalityDepth";

const FLAGS: Record<string, { setting: Setting; parse: (flag: string, raw: string) => number }> = {
  "--vault-chains": { setting: "vaultChains", parse: (flag, raw) => integer(flag, raw, 1, 32) },
  "--block-time": { setting: "blockTimeSeconds", parse: (flag, raw) => seconds(flag, raw) },
  "--base-port": { setting: "basePort", parse: (flag, raw) => integer(flag, raw, 1024, 65_535) },
  "--finality-depth": { setting: "finalityDepth", parse: (flag, raw) => integer(flag, raw, 0, 10_000) },
};

/**
 * Parses the flags of `npm run dev` (`--flag value` or `--flag=value`).
 *
 * @param argv the arguments after the script name
 * @returns the settings, defaults filled in
 * @throws DevArgsError for an unknown flag, a missing value or a value out of range
 * @example
 * parseDevArgs(["--vault-chains", "3", "--block-time=0.5"]);
 * // { help: false, vaultChains: 3, blockTimeSeconds: 0.5, basePort: 8545, finalityDepth: 2 }
 */
export function parseDevArgs(argv: readonly string[]): DevArgs {
  const args: DevArgs = { help: false, ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--help" || arg === "-h") {
      args.help = true;
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const spec = FLAGS[flag];
    if (spec === undefined) {
      throw new DevArgsError(
        arg.startsWith("-") ? `Unknown option ${flag}.` : `Unexpected argument "${arg}".`,
      );
    }
    let raw = eq === -1 ? undefined : arg.slice(eq + 1);
    if (raw === undefined) {
      raw = argv[i + 1];
      if (raw === undefined || raw.startsWith("--")) throw new DevArgsError(`Option ${flag} needs a value.`);
      i++;
    }
    args[spec.setting] = spec.parse(flag, raw);
  }
  if (args.basePort + args.vaultChains > 65_535) {
    throw new DevArgsError(
      `--base-port ${args.basePort} leaves no room for ${args.vaultChains} vault chains (the last port would be ${args.basePort + args.vaultChains}, above 65535).`,
    );
  }
  return args;
}

function integer(flag: string, raw: string, min: number, max: number): number {
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new DevArgsError(`Option ${flag} expects an integer from ${min} to ${max}, got "${raw}".`);
  }
  return value;
}

function seconds(flag: string, raw: string): number {
  const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(value) || value > 3_600) {
    throw new DevArgsError(
      `Option ${flag} expects seconds from 0 to 3600 (e.g. 1 or 0.5; 0 = automine), got "${raw}".`,
    );
  }
  return value;
}
