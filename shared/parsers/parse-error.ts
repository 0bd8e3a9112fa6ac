/**
 * The one error a parser may throw. It names the format and where it broke, so `aspm status`
 * and `aspm parse` can tell the user what to fix.
 */
export class ParseError extends Error {
  override readonly name = "ParseError";
  constructor(
    /** What is wrong, without the format and the place the message adds. */
    readonly reason: string,
    readonly format?: string,
    readonly where?: string,
  ) {
    super([format ? `${format}: ` : "", reason, where ? ` (at ${where})` : ""].join(""));
  }
}

/** Formats a zod issue path as `runs[0].results[3].locations`. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === "number" ? `[${part}]` : `${i === 0 ? "" : "."}${String(part)}`))
    .join("");
}
