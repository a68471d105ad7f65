#!/usr/bin/env node
// The `crossmargin` CLI (relayer/cli/main.ts), run through tsx so no build step is needed.
// In this repository: `npm run crossmargin -- <command>`; elsewhere after `npm link`: `crossmargin <command>`.
import { register } from "tsx/esm/api";

register();
await import("../relayer/cli/main.ts");
