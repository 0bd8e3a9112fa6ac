import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { z } from "zod";

/** An error with an HTTP status, mapped to a JSON response by the API's error handler. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
    body: JSON.stringify(body),
  };
}

export type Issues = Array<{ path: string; message: string }>;

export function issuesOf(error: z.ZodError): Issues {
  return error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
}

/** Validates one part of a request (path, query, body) with its zod schema: 400 with the issues otherwise. */
export function validated<S extends z.ZodType>(part: string, schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new HttpError(400, `invalid ${part}`, issuesOf(result.error));
  return result.data;
}

/** Request body text as JSON (400 when it is not JSON). An empty body is `{}`. */
export function parseJsonBody(raw: string): unknown {
  if (!raw.trim()) return {};
  try {
    return JSON.parse(raw);
  } catch {
    throw new HttpError(400, "request body is not valid JSON");
  }
}

const CursorEnvelope = z.object({
  b: z.string(),
  k: z.record(z.string(), z.union([z.string(), z.number()])),
});

/**
 * Paging cursors are opaque to clients: base64url JSON of the last evaluated key, bound to the
 * query it came from (route and parameters), so a cursor replayed on another app is a 400.
 */
export function encodeCursor(key: Record<string, unknown> | undefined, bind: string): string | undefined {
  return key ? Buffer.from(JSON.stringify({ b: bind, k: key })).toString("base64url") : undefined;
}

export function decodeCursor(
  raw: string | undefined,
  bind: string,
): Record<string, string | number> | undefined {
  if (!raw) return undefined;
  let envelope: z.infer<typeof CursorEnvelope>;
  try {
    envelope = CursorEnvelope.parse(JSON.parse(Buffer.from(raw, "base64url").toString("utf8")));
  } catch {
    throw new HttpError(400, "invalid cursor");
  }
  if (envelope.b !== bind) throw new HttpError(400, "the cursor belongs to another query");
  return envelope.k;
}
