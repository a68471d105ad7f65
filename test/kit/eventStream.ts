/** One server-sent event, its data parsed as JSON. */
export type StreamEvent = { event: string; data: Record<string, unknown> };

/** An open server-sent-events stream read in the background. */
export type EventStream = {
  /** Every event received so far, in order. */
  events: StreamEvent[];
  /**
   * Waits for the first event from `index` on that `match` accepts.
   *
   * @param match the test
   * @param what what is awaited, named in the timeout error
   * @param timeoutMs give up after this long (default 30 s)
   * @returns the event and its index
   */
  next: (
    match: (e: StreamEvent) => boolean,
    what: string,
    timeoutMs?: number,
  ) => Promise<{ event: StreamEvent; index: number }>;
  close: () => void;
};

/**
 * Opens a `text/event-stream` URL and collects its events (`event:` and JSON `data:` lines).
 *
 * @param url the stream's URL
 * @returns the status and, when 200, the stream
 */
export async function openEventStream(
  url: string,
): Promise<{ status: number; stream: EventStream | undefined; body: unknown }> {
  const abort = new AbortController();
  const response = await fetch(url, { signal: abort.signal, headers: { accept: "text/event-stream" } });
  if (response.status !== 200 || response.body === null) {
    const body: unknown = await response.json().catch(() => undefined);
    return { status: response.status, stream: undefined, body };
  }
  const events: StreamEvent[] = [];
  const waiters = new Set<() => void>();
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    let buffer = "";
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: ?(.*)$/m.exec(block)?.[1] ?? "message";
        const data = /^data: ?(.*)$/m.exec(block)?.[1];
        // The indexer's streams send one JSON object per event.
        if (data !== undefined) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
        for (const wake of waiters) wake();
      }
    }
  })();
  let from = 0;
  const stream: EventStream = {
    events,
    next: (match, what, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const index = events.findIndex((e, i) => i >= from && match(e));
          if (index < 0) return false;
          from = index + 1;
          waiters.delete(check);
          clearTimeout(timer);
          resolve({ event: events[index] as StreamEvent, index });
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`no ${what} within ${timeoutMs} ms; events: ${JSON.stringify(events.slice(-10))}`),
          );
        }, timeoutMs);
        if (!check()) waiters.add(check);
      }),
    close: () => abort.abort(),
  };
  return { status: 200, stream, body: undefined };
}
