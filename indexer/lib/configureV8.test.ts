import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";
import { ConfigError } from "../../shared/errors/BaseError.js";
import { configureV8, PRETENURING_ENV } from "./configureV8.js";

const MODULE = fileURLToPath(new URL("./configureV8.ts", import.meta.url));

/*
 * Whether V8 pretenures, observed in a fresh node process: it calls configureV8, then allocates
 * nested array literals from one site and keeps them all alive, so that every memento is found and
 * V8 (when it may) decides to allocate that site in old space. `%InYoungGeneration` on a fresh
 * object from the site tells the decision. `--predictable` (single-threaded, deterministic GC and
 * compilation) makes the round of the decision the same on every run.
 */
const PROBE = `
import { configureV8 } from ${JSON.stringify(MODULE)};
const setting = configureV8();
const inYoungGeneration = new Function("o", "return %InYoungGeneration(o)");
function make(i) { return [[i], [i, i]]; }
const keep = [];
let pretenuredAtRound = null;
for (let round = 0; round < 100 && pretenuredAtRound === null; round++) {
  for (let i = 0; i < 20000; i++) keep.push(make(i));
  if (!inYoungGeneration(make(-1))) pretenuredAtRound = round;
}
console.log(JSON.stringify({ setting, pretenuredAtRound }));
`;

async function probe(
  value: string | undefined,
): Promise<{ setting: string; pretenuredAtRound: number | null }> {
  const env = { ...process.env };
  if (value === undefined) delete env[PRETENURING_ENV];
  else env[PRETENURING_ENV] = value;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--allow-natives-syntax", "--predictable", "--import", "tsx", "--input-type=module", "-e", PROBE],
    { env, timeout: 60_000 },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "");
}

describe("configureV8", () => {
  // The control: with pretenuring kept, V8 moves the site to old space, so the probe can tell.
  test(`${PRETENURING_ENV}=on keeps V8's pretenuring: the probe's site goes to old space`, async () => {
    const result = await probe("on");
    expect(result.setting).toBe("on");
    expect(result.pretenuredAtRound).toEqual(expect.any(Number));
  });

  test.each([[undefined], ["off"], [" OFF "]])(
    "%s turns pretenuring off: the same site stays in the young generation",
    async (value) => {
      expect(await probe(value)).toEqual({ setting: "off", pretenuredAtRound: null });
    },
  );

  test("anything else is a ConfigError naming the variable and the value, and changes nothing", () => {
    const error = (() => {
      try {
        configureV8({ [PRETENURING_ENV]: "false" });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      { path: PRETENURING_ENV, message: 'expected "on" or "off", got "false"' },
    ]);
  });
});
