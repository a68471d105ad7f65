import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CONTRACTS, camelCase, generateAbis } from "../../scripts/gen-abis.js";
import { collateralVaultAbi } from "./generated.js";

/** A fake Foundry out directory with the given artifacts. */
function outDir(artifacts: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "crossmargin-out-"));
  for (const [name, artifact] of Object.entries(artifacts)) {
    mkdirSync(join(dir, `${name}.sol`));
    writeFileSync(join(dir, `${name}.sol`, `${name}.json`), JSON.stringify(artifact));
  }
  return dir;
}

const fn = {
  type: "function",
  name: "x",
  stateMutability: "view",
  inputs: [],
  outputs: [{ type: "uint256", name: "" }],
};

describe("gen-abis", () => {
  it("writes abi and bytecode consts, skips missing artifacts, sorts keys", async () => {
    const dir = outDir({
      Token: { abi: [fn], bytecode: { object: "0x6080AB", linkReferences: {} } },
      IThing: { abi: [fn], bytecode: { object: "0x", linkReferences: {} } },
      Linked: { abi: [], bytecode: { object: "0x60__$abc$__", linkReferences: { "L.sol": { L: [] } } } },
    });
    const { source, written, missing } = generateAbis({
      outDir: dir,
      contracts: ["Token", "IThing", "Linked", "Gone"],
    });
    expect(written).toEqual(["Token", "IThing", "Linked"]);
    expect(missing).toEqual(["Gone"]);
    expect(source).toContain('export const tokenBytecode = "0x6080ab" as const;');
    expect(source).toContain("export const iThingAbi = [");
    expect(source).not.toContain("iThingBytecode"); // no creation code: an interface or abstract contract
    expect(source).not.toContain("linkedBytecode"); // needs linking: not deployable as is
    expect(source.indexOf('"inputs"')).toBeLessThan(source.indexOf('"name": "x"')); // keys sorted
    const path = join(dir, "generated.ts");
    writeFileSync(path, source);
    const module: Record<string, unknown> = await import(path);
    expect(module.tokenAbi).toEqual([fn]);
  });

  it("names consts in camelCase with acronyms as words", () => {
    expect(camelCase("CollateralVault")).toBe("collateralVault");
    expect(camelCase("MockERC20")).toBe("mockErc20");
    expect(camelCase("MockERC4626")).toBe("mockErc4626");
    expect(camelCase("IThing")).toBe("iThing");
  });

  it("is deterministic whatever the artifact's key order", () => {
    const reordered = Object.fromEntries(Object.entries(fn).reverse());
    const a = generateAbis({
      outDir: outDir({ T: { abi: [fn], bytecode: { object: "0x01" } } }),
      contracts: ["T"],
    });
    const b = generateAbis({
      outDir: outDir({ T: { bytecode: { object: "0x01" }, abi: [reordered] } }),
      contracts: ["T"],
    });
    expect(a.source).toBe(b.source);
  });

  it("rejects an artifact without an ABI", () => {
    expect(() =>
      generateAbis({ outDir: outDir({ Broken: { bytecode: {} } }), contracts: ["Broken"] }),
    ).toThrow(/has no ABI/);
  });

  it("lists the contracts the system needs, and the committed output carries their ABIs", () => {
    expect(CONTRACTS).toContain("MarginHub");
    expect(
      collateralVaultAbi.some((item) => item.type === "function" && item.name === "receiveCommand"),
    ).toBe(true);
  });
});
