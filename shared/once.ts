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
