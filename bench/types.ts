/** One benchmark of `npm run bench`. */
export type Benchmark = {
  /** Short name, used on the command line and as the section marker. */
  name: string;
  /** Section heading in BENCHMARKS.md. */
  title: string;
  /**
   * Name of the benchmark whose section holds this one's (as a sub-section): it is written inside
   * that section, and survives when the parent alone is run again.
   */
  parent?: string;
  /**
   * Runs the benchmark and returns its section body (Markdown).
   * @param progress prints one line of progress
   */
  run: (progress: (line: string) => void) => Promise<string>;
};
