import { z } from "zod";
import { APP_ID_PATTERN } from "./app.ts";

/**
 * API tokens and what they may do. A token is a random secret shown once; only its SHA-256 is
 * stored. Its scope decides the apps it reaches:
 *
 * - `upload` (CI): upload for the apps matching a glob, and read those apps (scan status, gate).
 * - `read`: read the apps of one team, or of every team (`*`).
 * - `triage`: read, triage findings and request or decide exceptions for one team or every team.
 * - `admin`: everything, including tokens.
 */

/** App globs: app-id characters plus `*` (any run of characters). */
export const AppGlob = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9*][a-z0-9._*-]{0,99}$/, "an app id or a glob of app ids (`*` matches any characters)");

export const TeamScope = z.string().min(1).max(100);

export const TokenScope = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("upload"), apps: AppGlob }),
  z.object({ kind: z.literal("read"), team: TeamScope }),
  z.object({ kind: z.literal("triage"), team: TeamScope }),
  z.object({ kind: z.literal("admin") }),
]);
export type TokenScope = z.infer<typeof TokenScope>;

export const TokenRecord = z.object({
  /** Public id, for listing and revoking; never the secret. */
  id: z.string(),
  /** Who or what the token acts as: the actor recorded in audit trails and exceptions. */
  subject: z.string().min(1).max(200),
  scope: TokenScope,
  createdAt: z.string(),
  createdBy: z.string(),
  expiresAt: z.string().optional(),
  revokedAt: z.string().optional(),
  revokedBy: z.string().optional(),
});
export type TokenRecord = z.infer<typeof TokenRecord>;

/** The authenticated caller of one request. */
export interface Principal {
  subject: string;
  scope: TokenScope;
  tokenId: string;
}

/** What is being touched: an app (with its owning team) or the whole portfolio. */
export type Resource = { app: string; team: string } | { portfolio: true };

export type Action = "upload" | "read" | "triage" | "admin";

export function globMatches(glob: string, appId: string): boolean {
  const pattern = glob
    .split("*")
    .map((part) => part.replace(/[.]/g, "\\."))
    .join("[a-z0-9._-]*");
  return new RegExp(`^${pattern}$`).test(appId) && APP_ID_PATTERN.test(appId);
}

function teamCovers(scopeTeam: string, team: string): boolean {
  return scopeTeam === "*" || scopeTeam === team;
}

/**
 * The one authorization rule. Portfolio-wide resources (every app, CVE exceptions, tokens) need an
 * unrestricted scope; app resources need a scope that reaches the app.
 */
export function allows(principal: Principal, action: Action, resource: Resource): boolean {
  const s = principal.scope;
  if (s.kind === "admin") return true;
  if (action === "admin") return false;
  switch (s.kind) {
    case "upload":
      if (action !== "upload" && action !== "read") return false;
      return "app" in resource && globMatches(s.apps, resource.app);
    case "read":
      if (action !== "read") return false;
      return "app" in resource ? teamCovers(s.team, resource.team) : s.team === "*";
    case "triage":
      if (action === "upload") return false;
      return "app" in resource ? teamCovers(s.team, resource.team) : s.team === "*";
  }
}

/** A readable predicate for lists spanning apps: which findings of the portfolio this caller sees. */
export function canReadApp(principal: Principal, app: string, team: string): boolean {
  return allows(principal, "read", { app, team });
}

export function describeScope(scope: TokenScope): string {
  switch (scope.kind) {
    case "upload":
      return `upload:${scope.apps}`;
    case "read":
      return `read:${scope.team}`;
    case "triage":
      return `triage:${scope.team}`;
    case "admin":
      return "admin";
  }
}

/** `upload:payments-*`, `read:*`, `triage:team-a`, `admin`: the CLI's way to write a scope. */
export function parseScope(text: string): TokenScope | undefined {
  const [kind, arg] = text.split(/:(.*)/s, 2);
  const candidate =
    kind === "upload"
      ? { kind, apps: arg }
      : kind === "read" || kind === "triage"
        ? { kind, team: arg }
        : kind === "admin" && arg === undefined
          ? { kind }
          : undefined;
  const parsed = TokenScope.safeParse(candidate);
  return parsed.success ? parsed.data : undefined;
}

export function isUsable(token: TokenRecord, now: Date): boolean {
  if (token.revokedAt) return false;
  return !token.expiresAt || Date.parse(token.expiresAt) > now.getTime();
}
