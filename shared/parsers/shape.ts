import type { z } from "zod";
import { issuePath, ParseError } from "./parse-error.ts";

/**
 * Validates a tool's document against the zod shape of the fields we read. Schemas are loose
 * (unknown keys pass), so a new tool version with extra fields still parses; a missing or
 * mistyped field we rely on fails with its path.
 */
export function parseShape<S extends z.ZodType>(
  schema: S,
  value: unknown,
  format: string,
  where?: string,
): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue ? issuePath(issue.path) : "";
  const at = [where, path].filter(Boolean).join(".");
  throw new ParseError(`unexpected report shape: ${issue?.message ?? "invalid"}`, format, at || undefined);
}

/*
 * Cheap guards for the hot path of big reports: a parser checks each element with them first and
 * sends only what they refuse through its zod shape, which then names the broken field. Each
 * accepts what `z.x().nullish()` accepts.
 */

/** A string, null or undefined. */
export function isNullishString(v: unknown): v is string | null | undefined {
  return v === undefined || v === null || typeof v === "string";
}

/** `test` holds for every element of `v`, or `v` is null or undefined. */
export function isNullishListOf(v: unknown, test: (item: unknown) => boolean): boolean {
  if (v === undefined || v === null) return true;
  if (!Array.isArray(v)) return false;
  for (const item of v) if (!test(item)) return false;
  return true;
}
