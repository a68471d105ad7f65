import { describe, expect, test } from "vitest";
import { exampleConfig } from "../../shared/config/exampleConfig.js";
import { parseConfig } from "../../shared/config/parseConfig.js";
import { ConfigError } from "../../shared/errors/BaseError.js";
import { buildPonderSources, DEFAULT_PGLITE_DIR } from "./buildPonderSources.js";

const PERP_FEED = "0x00000000000000000000000000000000000000Fe";
const BTC_FEED = "0x00000000000000000000000000000000000000fD";

describe("buildPonderSources", () => {
  test("maps every chain's vault, the hub-chain contracts and every feed, from the deployment blocks", () => {
    const input = exampleConfig();
    input.chains["31337"].contracts.perpMarkets.push("0x0000000000000000000000000000000000000013");
    const sources = buildPonderSources({
      config: parseConfig(input),
      perpFeeds: [PERP_FEED, BTC_FEED],
      env: {},
    });
    expect(Object.keys(sources.chains)).toEqual(["hub", "vault-a"]);
    expect(sources.chains["vault-a"]).toEqual({
      id: 31338,
      rpc: "ws://127.0.0.1:8546",
      pollingInterval: 500,
      disableCache: true,
    });
    expect(sources.vaults["vault-a"]).toEqual({
      address: "0x0000000000000000000000000000000000000030",
      startBlock: 7,
    });
    expect(sources.vaults.hub?.startBlock).toBe(0);
    expect(Object.keys(sources.hub)).toEqual(["hub"]);
    // Both markets in one Ponder contract, so one PerpMarket handler indexes each.
    expect(sources.perpMarkets.hub?.address).toEqual([
      "0x0000000000000000000000000000000000000012",
      "0x0000000000000000000000000000000000000013",
    ]);
    expect(sources.feeds.hub?.address).toEqual([
      "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      "0x0000000000000000000000000000000000000050",
      PERP_FEED,
      BTC_FEED,
    ]);
    expect(sources.heads).toEqual({
      hub: { startBlock: "latest", interval: 1 },
      "vault-a": { startBlock: "latest", interval: 1 },
    });
  });

  test("Postgres when the config names a database, else PGlite in CROSSMARGIN_PGLITE_DIR or the default", () => {
    const withUrl = parseConfig({ ...exampleConfig(), databaseUrl: "postgresql://u@127.0.0.1:5432/db" });
    expect(buildPonderSources({ config: withUrl, env: {} }).database).toEqual({
      kind: "postgres",
      connectionString: "postgresql://u@127.0.0.1:5432/db",
    });
    const config = parseConfig(exampleConfig());
    expect(buildPonderSources({ config, env: { CROSSMARGIN_PGLITE_DIR: "/tmp/x" } }).database).toEqual({
      kind: "pglite",
      directory: "/tmp/x",
    });
    expect(buildPonderSources({ config, env: {} }).database).toEqual({
      kind: "pglite",
      directory: DEFAULT_PGLITE_DIR,
    });
  });

  test("keeps Ponder's RPC cache for a real deployment, drops the perp markets when there are none", () => {
    const { devnet: _devnet, accounts: _accounts, ...real } = exampleConfig();
    const config = parseConfig(real);
    const hub = config.chains["31337"];
    if (hub !== undefined) hub.contracts.perpMarkets = [];
    const sources = buildPonderSources({ config, env: {} });
    expect(sources.chains.hub?.disableCache).toBe(false);
    expect(sources.perpMarkets).toEqual({});
  });

  test("refuses two chains with one name (Ponder keys chains by name)", () => {
    const input = exampleConfig();
    input.chains["31338"].name = "hub";
    expect(() => buildPonderSources({ config: parseConfig(input), env: {} })).toThrow(ConfigError);
  });
});
