/**
 * The one error a parser may throw. It names the format and where it broke, so `aspm status`
 * and `aspm parse` can tell the user what to fix.
 */
export class ParseError extends Error {
  override readonly name = "ParseError";
  constructor(
    message: string,
    readonly format?: string,
    readonly where?: string,
  ) {
    super([format ? `${format}: ` : "", message, where ? ` (at ${where})` : ""].join(""));
  }
}

/** Formats a zod issue path as `runs[0].results[3].locations`. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === "number" ? `[${part}]` : `${i === 0 ? "" : "."}${String(part)}`))
    .join("");
}
