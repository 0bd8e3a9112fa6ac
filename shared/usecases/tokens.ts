import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { isUsable, type Principal, type TokenRecord, TokenScope } from "#shared/domain/token";
import type { TableRef } from "#shared/store/table-ref";
import { getTokenByHash, listTokens, putToken, revokeToken } from "#shared/store/token-store";

/**
 * Token lifecycle and authentication. A token is `aspm_` + 32 random bytes; the table keeps only
 * its SHA-256 (the key it is found by) and its public id (the first 12 hex chars of that digest).
 * The bootstrap admin token is a secret the deployment holds (Secrets Manager on AWS, `.aspm/` on
 * the local stack); it is compared digest to digest in constant time.
 */

export interface TokenDeps {
  db: TableRef;
  /** The bootstrap admin token's secret (cached by the caller); undefined when none is configured. */
  adminToken: () => Promise<string | undefined>;
  now?: () => Date;
}

export const BOOTSTRAP_ADMIN: Omit<Principal, "scope"> = { subject: "admin", tokenId: "bootstrap" };

export function sha256(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

export function newTokenSecret(): string {
  return `aspm_${randomBytes(32).toString("base64url")}`;
}

export class TokenRejected extends Error {
  override readonly name = "TokenRejected";
}

/** Who presents this token, or TokenRejected (unknown, expired or revoked: one message for all). */
export async function authenticateToken(deps: TokenDeps, presented: string): Promise<Principal> {
  const digest = sha256(presented);
  const admin = await deps.adminToken();
  if (admin && timingSafeEqual(digest, sha256(admin)))
    return { ...BOOTSTRAP_ADMIN, scope: { kind: "admin" } };
  const record = await getTokenByHash(deps.db, digest.toString("hex"));
  if (!record || !isUsable(record, (deps.now ?? (() => new Date()))()))
    throw new TokenRejected("invalid token");
  return { subject: record.subject, scope: record.scope, tokenId: record.id };
}

export const CreateTokenRequest = z.object({
  subject: z.string().trim().min(1).max(200).describe("who or what acts with the token (audit trail)"),
  scope: TokenScope,
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});
export type CreateTokenRequest = z.infer<typeof CreateTokenRequest>;

export async function createToken(
  deps: TokenDeps,
  by: Principal,
  request: CreateTokenRequest,
): Promise<{ token: string; record: TokenRecord }> {
  const now = (deps.now ?? (() => new Date()))();
  if (request.expiresAt && Date.parse(request.expiresAt) <= now.getTime())
    throw new TokenRequestError("expiresAt is in the past");
  const token = newTokenSecret();
  const hash = sha256(token).toString("hex");
  const record: TokenRecord = {
    id: hash.slice(0, 12),
    subject: request.subject,
    scope: request.scope,
    createdAt: now.toISOString(),
    createdBy: by.subject,
    ...(request.expiresAt ? { expiresAt: new Date(request.expiresAt).toISOString() } : {}),
  };
  await putToken(deps.db, hash, record);
  return { token, record };
}

export class TokenRequestError extends Error {
  override readonly name = "TokenRequestError";
}

export async function listAllTokens(deps: TokenDeps): Promise<TokenRecord[]> {
  return listTokens(deps.db);
}

export async function revoke(deps: TokenDeps, by: Principal, id: string): Promise<boolean> {
  return revokeToken(deps.db, id, by.subject, (deps.now ?? (() => new Date()))().toISOString());
}
