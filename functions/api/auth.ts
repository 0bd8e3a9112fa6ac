import { createHash, createHmac, timingSafeEqual } from "node:crypto";
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

/**
 * Jira's webhook signature: `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>` with the
 * webhook's shared secret, compared in constant time. Anything else (no header, another algorithm,
 * a bad length) is simply not verified.
 */
export function verifyHubSignature(rawBody: Buffer, header: string | undefined, secret: string): boolean {
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header?.trim() ?? "");
  if (!match?.[1] || !secret) return false;
  const presented = Buffer.from(match[1].toLowerCase(), "hex");
  const expected = createHmac("sha256", secret).update(rawBody).digest();
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}
