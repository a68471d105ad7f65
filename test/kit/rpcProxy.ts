import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Parameters of {@link startRpcProxy}. */
export type StartRpcProxyParameters = {
  /** The JSON-RPC endpoint behind the proxy (an anvil's `http://127.0.0.1:<port>`). */
  target: string;
  /** Share of requests dropped (default 0.1): half reset the connection unanswered, half are forwarded but answered 502. */
  dropRate?: number;
  /** Share of requests held back before they are forwarded (default 0.1). */
  delayRate?: number;
  /** Range of a delay in milliseconds (default 500–2000). */
  delayMs?: readonly [number, number];
  /** Random source in [0, 1) deciding each request's fate; pass a seeded one for reproducible faults (default `Math.random`). */
  random?: () => number;
};

/** What a proxy did so far. */
export type RpcProxyStats = {
  /** HTTP requests received (a JSON-RPC batch is one). */
  requests: number;
  /** Connections reset before the request reached the node. */
  reset: number;
  /** Requests the node executed whose answer was replaced by a 502 (the caller cannot tell whether it ran). */
  badGateway: number;
  /** Requests held back before forwarding. */
  delayed: number;
  /** Requests forwarded (delayed ones and 502 ones included). */
  forwarded: number;
};

/** A request whose answer the proxy kept from its caller (see `RpcProxy.holdAnswer`). */
export type HeldAnswer = {
  /** The JSON-RPC call as the caller sent it. */
  call: { method: string; params?: unknown };
  /** The node's answer (parsed JSON), which the caller never got. */
  answer: unknown;
};

/** A running proxy. */
export type RpcProxy = {
  /** Its URL, to use in place of the target's. */
  url: string;
  /** Counters so far. */
  stats: () => RpcProxyStats;
  /** Turns the faults off (everything is forwarded at once) or back on. */
  setFaulty: (faulty: boolean) => void;
  /**
   * Arms the proxy for the next request calling `method`: it is forwarded to the node, and the
   * node's answer is withheld (the caller's connection stays open, unanswered, until it goes away).
   * Resolves once the node has answered, e.g. accepted an `eth_sendRawTransaction`.
   */
  holdAnswer: (method: string) => Promise<HeldAnswer>;
  /** Closes the server and every open connection. */
  stop: () => Promise<void>;
};

/**
 * Starts an HTTP proxy in front of a JSON-RPC node that misbehaves like a flaky provider: each
 * request is, by a draw of `random`, dropped (`dropRate`: the connection is reset before the node
 * sees it, or the node runs it and the caller gets a 502 instead of the answer), delayed
 * (`delayRate`, by `delayMs`) and then forwarded, or forwarded at once.
 *
 * @param parameters target, fault rates, random source
 * @returns the proxy's URL, counters and `stop`
 * @example
 * const proxy = await startRpcProxy({ target: anvil.rpcUrl, random: seededRandom(7) });
 * const client = createPublicClient({ transport: http(proxy.url) });
 */
export async function startRpcProxy(parameters: StartRpcProxyParameters): Promise<RpcProxy> {
  const target = new URL(parameters.target);
  const dropRate = parameters.dropRate ?? 0.1;
  const delayRate = parameters.delayRate ?? 0.1;
  const [minDelay, maxDelay] = parameters.delayMs ?? [500, 2_000];
  const random = parameters.random ?? Math.random;
  const stats: RpcProxyStats = { requests: 0, reset: 0, badGateway: 0, delayed: 0, forwarded: 0 };
  let faulty = true;
  let armed:
    | { method: string; resolve: (held: HeldAnswer) => void; reject: (error: unknown) => void }
    | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    stats.requests += 1;
    const call = armed === undefined ? undefined : callNamed(body, armed.method);
    if (armed !== undefined && call !== undefined) {
      const { resolve, reject } = armed;
      armed = undefined;
      await forward(target, req, body).then(
        (answer) => resolve({ call, answer: JSON.parse(answer.body.toString()) }),
        reject,
      );
      return; // the caller never hears back
    }
    const draw = faulty ? random() : 1;
    if (draw < dropRate / 2) {
      stats.reset += 1;
      req.socket.destroy();
      return;
    }
    if (draw < dropRate) {
      stats.badGateway += 1;
      await forward(target, req, body).catch(() => undefined);
      res.writeHead(502, { "content-type": "text/plain" }).end("bad gateway (rpcProxy)");
      return;
    }
    if (draw < dropRate + delayRate) {
      stats.delayed += 1;
      await new Promise((resolve) => setTimeout(resolve, minDelay + random() * (maxDelay - minDelay)));
    }
    try {
      const answer = await forward(target, req, body);
      res.writeHead(answer.status, { "content-type": answer.contentType }).end(answer.body);
    } catch {
      res.writeHead(502, { "content-type": "text/plain" }).end("upstream unreachable (rpcProxy)");
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo; // a TCP server listening on a port
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => ({ ...stats }),
    setFaulty: (value) => {
      faulty = value;
    },
    holdAnswer: (method) =>
      new Promise<HeldAnswer>((resolve, reject) => {
        armed = { method, resolve, reject };
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };

  function forward(to: URL, req: IncomingMessage, body: Buffer) {
    stats.forwarded += 1;
    return new Promise<{ status: number; contentType: string; body: Buffer }>((resolve, reject) => {
      const upstream = httpRequest(
        {
          host: to.hostname,
          port: to.port,
          path: req.url ?? "/",
          method: req.method ?? "POST",
          headers: {
            "content-type": req.headers["content-type"] ?? "application/json",
            "content-length": body.length,
          },
        },
        (answer) => {
          readBody(answer).then(
            (data) =>
              resolve({
                status: answer.statusCode ?? 502,
                contentType: answer.headers["content-type"] ?? "application/json",
                body: data,
              }),
            reject,
          );
        },
      );
      upstream.once("error", reject);
      upstream.end(body);
    });
  }
}

/** The call of a JSON-RPC body (one call or a batch) that names `method`, if any. */
function callNamed(body: Buffer, method: string): HeldAnswer["call"] | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString());
    const calls = (Array.isArray(parsed) ? parsed : [parsed]) as HeldAnswer["call"][];
    return calls.find((c) => c?.method === method);
  } catch {
    return undefined;
  }
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.once("end", () => resolve(Buffer.concat(chunks)));
    stream.once("error", reject);
  });
}
