import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { z } from "zod";

/** An error with an HTTP status, mapped to a JSON response by the API's onError middleware. */
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

/** The request body's bytes, as the caller sent them (what a signature covers). */
export function rawBody(event: APIGatewayProxyEventV2): Buffer {
  return event.body ? Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8") : Buffer.alloc(0);
}

/** Request body as JSON, validated by the route's zod schema (400 with the issues otherwise). */
export function body<S extends z.ZodType>(event: APIGatewayProxyEventV2, schema: S): z.infer<S> {
  let value: unknown;
  try {
    value = JSON.parse(event.body ? rawBody(event).toString("utf8") : "{}");
  } catch {
    throw new HttpError(400, "request body is not valid JSON");
  }
  const result = schema.safeParse(value);
  if (!result.success)
    throw new HttpError(
      400,
      "invalid request",
      result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    );
  return result.data;
}

const CursorKey = z.record(z.string(), z.union([z.string(), z.number()]));

/** Paging cursors are opaque to clients: base64url JSON of the last evaluated key. */
export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString("base64url") : undefined;
}

export function decodeCursor(raw: string | undefined): Record<string, string | number> | undefined {
  if (!raw) return undefined;
  try {
    return CursorKey.parse(JSON.parse(Buffer.from(raw, "base64url").toString("utf8")));
  } catch {
    throw new HttpError(400, "invalid cursor");
  }
}
