import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { DevnetManifest } from "./buildManifest.js";

/** Parameters of {@link writeManifest}. */
export type WriteManifestParameters = {
  /** Destination, e.g. `.devnet/manifest.json`. */
  path: string;
  manifest: DevnetManifest;
};

/**
 * Writes the manifest atomically: to a temporary file beside it, then renamed over it, so a reader
 * sees the old manifest or the new one, never half of one.
 *
 * @param params destination and manifest
 * @example
 * writeManifest({ path: ".devnet/manifest.json", manifest });
 */
export function writeManifest(params: WriteManifestParameters): void {
  mkdirSync(dirname(params.path), { recursive: true });
  const scratch = `${params.path}.${process.pid}.tmp`;
  writeFileSync(scratch, `${JSON.stringify(params.manifest, null, 2)}\n`);
  renameSync(scratch, params.path);
}
