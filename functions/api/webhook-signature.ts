import { createHmac, timingSafeEqual } from "node:crypto";

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
