/**
 * Failures a use case reports to whoever called it, by kind; adapters map kinds to their own
 * language (HTTP status, CLI exit code) without knowing the use case.
 */
export type FailureKind = "invalid" | "forbidden" | "not-found" | "conflict";

export class UseCaseError extends Error {
  override readonly name = "UseCaseError";
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
  }
}

export const invalid = (message: string) => new UseCaseError("invalid", message);
export const forbidden = (message: string) => new UseCaseError("forbidden", message);
export const notFound = (message: string) => new UseCaseError("not-found", message);
