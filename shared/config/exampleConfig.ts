/** A placeholder address from a small number, lowercase. */
const lower = (n: number): string => `0x${n.toString(16).padStart(40, "0")}`;
const USDC_FEED = "0x5fbdb2315678afecb367f032d93f642f64180aa3";

/**
 * A valid two-chain config input (hub 31337 with USDC, vault chain 31338 with wstETH), shaped like
 * a devnet manifest (manifest-only keys `accounts` and `devnet` included). A fresh object each
 * call, so tests may mutate it. The addresses are placeholders, not deployed contracts.
 *
 * @returns a config input that `parseConfig` accepts
 */
export function exampleConfig() {
  return {
    chains: {
      "31337": {
        name: "hub",
        chainId: 31337,
        role: "hub",
        rpcUrl: "http://127.0.0.1:8545",
        finalityDepth: 0,
        blockTimeMs: 1000,
        contracts: { vault: lower(0x10), hub: lower(0x11), perpMarkets: [lower(0x12)] },
        tokens: {
          USDC: {
            address: lower(0x20),
            decimals: 6,
            kind: "stable",
            depositCap: "1000000000000000000000000000000",
            risk: {
              feed: USDC_FEED,
              heartbeat: 3600,
              haircutBps: 200,
              liquidationThresholdBps: 9900,
              liquidationBonusBps: 300,
              capPerAccount: 0,
            },
          },
        },
      },
      "31338": {
        name: "vault-a",
        chainId: 31338,
        role: "vault",
        rpcUrl: "ws://127.0.0.1:8546",
        finalityDepth: 2,
        blockTimeMs: 500,
        deploymentBlock: 7,
        contracts: { vault: lower(0x30) },
        tokens: {
          wstETH: {
            address: lower(0x40),
            decimals: 18,
            kind: "lst",
            depositCap: 10n ** 24n,
            risk: {
              feed: lower(0x50),
              heartbeat: 86400,
              haircutBps: 1500,
              liquidationThresholdBps: 9000,
              liquidationBonusBps: 500,
              capPerAccount: "340282366920938463463374607431768211455",
            },
          },
        },
      },
    },
    attesters: { threshold: 2, addresses: [lower(0xa1), lower(0xa2), lower(0xa3)] },
    apiUrl: "http://127.0.0.1:42069",
    accounts: [{ address: lower(0x99), privateKey: `0x${"11".repeat(32)}` }],
    devnet: { startedAt: 1 },
  };
}
