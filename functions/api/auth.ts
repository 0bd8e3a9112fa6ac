import { createHash, timingSafeEqual } from "node:crypto";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { HttpError } from "./http.ts";

export function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

/**
 * Bearer token check. Only the token's sha256 is configured (never the token), and digests are
 * compared in constant time, so neither the config nor the timing reveals it.
 */
export function authenticate(event: APIGatewayProxyEventV2, expectedSha256: string): void {
  const header = event.headers.authorization ?? event.headers.Authorization ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw new HttpError(401, "missing bearer token", undefined);
  const presented = Buffer.from(sha256Hex(match[1]), "hex");
  const expected = Buffer.from(expectedSha256.toLowerCase(), "hex");
  if (expected.length !== presented.length || !timingSafeEqual(presented, expected)) {
    throw new HttpError(401, "invalid token");
  }
}
