/**
 * A value built on first use and kept: how handlers read their configuration once per container
 * (at the first invocation, so importing a handler in a test has no side effect).
 */
export function once<T>(build: () => T): () => T {
  let built = false;
  let value: T | undefined;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value as T;
  };
}

/**
 * `once` for asynchronous configuration (e.g. a secret read at cold start): concurrent callers
 * share one attempt, and a failed attempt is forgotten so the next invocation tries again instead
 * of failing for the container's whole life.
 */
export function onceAsync<T>(build: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= build().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
