/**
 * A promise-chain mutex: `run(fn)` calls run one after another, in call order.
 *
 * @returns `run`
 * @example
 * const lock = createLock();
 * await Promise.all([lock(() => sendA()), lock(() => sendB())]); // sendB starts after sendA settles
 */
export function createLock(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const result = tail.then(fn, fn);
    tail = result.catch(() => undefined);
    return result;
  };
}
