/** Requests counted by {@link countFetches}: `"<port> <JSON-RPC method or path>"` → count. */
export type FetchCounts = Map<string, number>;

/**
 * Counts every `fetch` this process makes from now on (viem's HTTP transport and `@ponder/client`
 * both use the global one), by port and JSON-RPC method (each call of a JSON-RPC batch counted)
 * or URL path, until `stop`: what a burst asks of the chains and the indexer.
 *
 * @returns `take` (the counts so far, then from zero) and `stop` (puts `fetch` back)
 */
export function countFetches(): { take: () => FetchCounts; stop: () => void } {
  const original = globalThis.fetch;
  let counts: FetchCounts = new Map();
  const add = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
  globalThis.fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const body = typeof init?.body === "string" ? init.body : undefined;
    const methods = body?.startsWith("[") || body?.startsWith("{") ? rpcMethods(body) : [];
    if (methods.length === 0) add(`${url.port} ${url.pathname}`);
    for (const method of methods) add(`${url.port} ${method}`);
    return original(input, init);
  };
  return {
    take: () => {
      const taken = counts;
      counts = new Map();
      return taken;
    },
    stop: () => {
      globalThis.fetch = original;
    },
  };
}

function rpcMethods(body: string): string[] {
  try {
    const parsed: unknown = JSON.parse(body);
    const calls = Array.isArray(parsed) ? parsed : [parsed];
    return calls.flatMap((call: unknown) =>
      typeof call === "object" && call !== null && "method" in call && typeof call.method === "string"
        ? [call.method]
        : [],
    );
  } catch {
    return [];
  }
}
