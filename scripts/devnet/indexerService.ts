import { dirname } from "node:path";
import { resetPglite } from "./resetPglite.js";
import type { DevService } from "./services.js";
import { startIndexer } from "./startIndexer.js";
import { writeManifest } from "./writeManifest.js";

/** The indexer's port under `npm run dev` (Ponder's usual one; it moves up if taken). */
const DEV_INDEXER_PORT = 42069;

/**
 * `npm run dev`'s indexer: `ponder start` against the devnet manifest, on embedded PGlite in
 * `<devnet dir>/pglite` (emptied at each start, like the chains; one folder, never one per run),
 * or on Postgres when `DATABASE_URL` is set (schema `crossmargin_dev`). Once it is ready, the
 * manifest's `apiUrl` points at it.
 */
export const indexerService: DevService = {
  name: "indexer",
  async start(devnet, log) {
    const url = process.env.DATABASE_URL;
    // Also with Postgres: folders of earlier PGlite runs are of no further use.
    const pglite = resetPglite({ dir: dirname(devnet.manifestPath) });
    log(url ? "starting on Postgres (DATABASE_URL)…" : "starting on embedded PGlite…");
    const indexer = await startIndexer({
      configPath: devnet.manifestPath,
      database: url ? { kind: "postgres", url } : { kind: "pglite", directory: pglite },
      schema: "crossmargin_dev",
      port: DEV_INDEXER_PORT,
      readyTimeoutMs: 180_000,
    });
    log(`ready at ${indexer.url}`);
    // The manifest tells clients (the relayer, the demo) where the API is.
    writeManifest({ path: devnet.manifestPath, manifest: { ...devnet.manifest, apiUrl: indexer.url } });
    return {
      stop: indexer.stop,
      kill: indexer.kill,
      summary: [
        `indexer API  ${indexer.url}  (REST /accounts/:address/margin, /messages/:guid, /routes, /prices/:feed/history, POST /stress, /solvency, SSE /stream/health)`,
        `GraphQL      ${indexer.url}/graphql`,
        `SQL          ${indexer.url}/sql (for @ponder/client)`,
      ],
      closed: indexer.exited.then(
        (code) => new Error(`the indexer exited (code ${code}); its logs are in the Ponder output above`),
      ),
    };
  },
};
