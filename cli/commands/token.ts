import { TokenCreated, TokenList, TokenRevoked } from "#shared/api-contract";
import { describeScope, parseScope, type TokenRecord } from "#shared/domain/token";
import { call } from "../api-client.ts";
import { apiTarget } from "../api-target.ts";
import { CliError, type CliIo } from "../io.ts";

export interface TokenOptions {
  api?: string;
  token?: string;
  subject?: string;
  scope?: string;
  expires?: string;
  days?: string;
  json?: boolean;
}

function expiresAt(o: TokenOptions): string | undefined {
  if (o.expires) {
    const t = Date.parse(o.expires);
    if (Number.isNaN(t)) throw new CliError(`--expires ${o.expires} is not a date`, 2);
    return new Date(t).toISOString();
  }
  if (o.days === undefined) return undefined;
  const days = Number(o.days);
  if (!Number.isInteger(days) || days <= 0) throw new CliError("--days must be a positive whole number", 2);
  return new Date(Date.now() + days * 86_400_000).toISOString();
}

function describe(t: TokenRecord): string {
  const state = t.revokedAt
    ? `revoked ${t.revokedAt.slice(0, 10)}`
    : t.expiresAt
      ? `expires ${t.expiresAt.slice(0, 10)}`
      : "no expiry";
  return `${t.id}  ${describeScope(t.scope).padEnd(24)} ${t.subject}  (${state}; by ${t.createdBy})`;
}

/** `aspm token create|list|revoke` (admin). */
export async function tokenCommand(
  io: CliIo,
  action: "create" | "list" | "revoke",
  id: string | undefined,
  o: TokenOptions,
) {
  if (action === "create") {
    if (!o.subject || !o.scope) throw new CliError("usage: aspm token create --subject WHO --scope SCOPE", 2);
    const scope = parseScope(o.scope);
    if (!scope)
      throw new CliError(
        `--scope ${o.scope} is not upload:APP-GLOB, read:TEAM, triage:TEAM (TEAM may be *) or admin`,
        2,
      );
    const at = expiresAt(o);
    const created = await call(apiTarget(o), "POST", "/v1/tokens", TokenCreated, {
      subject: o.subject,
      scope,
      ...(at ? { expiresAt: at } : {}),
    });
    if (o.json) return io.out(JSON.stringify(created));
    io.out(describe(created.record));
    io.out(`token: ${created.token}`);
    io.err("the token is shown once; only its SHA-256 is stored");
    return;
  }
  if (action === "list") {
    const { tokens } = await call(apiTarget(o), "GET", "/v1/tokens", TokenList);
    if (o.json) return io.out(JSON.stringify(tokens));
    for (const t of tokens) io.out(describe(t));
    if (!tokens.length) io.out("no tokens (the bootstrap admin token is not listed)");
    return;
  }
  if (!id) throw new CliError("usage: aspm token revoke ID", 2);
  const revoked = await call(apiTarget(o), "DELETE", `/v1/tokens/${encodeURIComponent(id)}`, TokenRevoked);
  io.out(o.json ? JSON.stringify(revoked) : `${revoked.id} revoked`);
}
