import { type Hex, keccak256, toHex } from "viem";

/** The account family of the indexer benchmark (any fixed 32 bytes; `BulkDepositor` takes it as `salt`). */
export const BENCH_SALT: Hex = keccak256(toHex("crossmargin/bench/indexer"));
