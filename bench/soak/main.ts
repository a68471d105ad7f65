/**
 * `npm run soak -- --minutes N [--base-port P] [--seed S]`: the mixed workload under random faults
 * on an interval-mining devnet (see `runSoak.ts` and README.md here). Prints progress lines, then
 * exactly one summary line; exits 1 when anything was lost or doubled, 2 on a bad command line.
 */
import { parseSoakArgs, SoakArgsError } from "./parseSoakArgs.js";
import { runSoak } from "./runSoak.js";

let args: ReturnType<typeof parseSoakArgs>;
try {
  args = parseSoakArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof SoakArgsError)) throw error;
  console.error(`soak: ${error.message}`);
  process.exit(2);
}
const result = await runSoak(args, (line) => console.log(`  ${line}`));
console.log(result.summary);
process.exit(result.lost === 0 && result.doubled === 0 ? 0 : 1);
