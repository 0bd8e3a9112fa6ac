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
