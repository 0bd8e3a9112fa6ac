import { describe, expect, it } from "vitest";
import {
  allows,
  globMatches,
  isUsable,
  type Principal,
  parseScope,
  type TokenScope,
} from "#shared/domain/token";

const as = (scope: TokenScope): Principal => ({ subject: "s", tokenId: "t", scope });

describe("globMatches", () => {
  it.each([
    ["payments-api", "payments-api", true],
    ["payments-*", "payments-api", true],
    ["payments-*", "payments-", true],
    ["payments-*", "payment", false],
    ["*-api", "orders-api", true],
    ["*", "anything.at_all-1", true],
    ["pay.ments", "payXments", false],
    ["payments-api", "payments-api-2", false],
    ["a*c", "a/c", false],
  ])("%s ~ %s: %s", (glob, app, expected) => {
    expect(globMatches(glob, app)).toBe(expected);
  });
});

describe("allows", () => {
  const a = { app: "payments-api", team: "pay" };
  const b = { app: "orders", team: "shop" };
  const all = { portfolio: true } as const;
  it("lets an upload token upload and read its apps only, never triage or administer", () => {
    const p = as({ kind: "upload", apps: "payments-*" });
    expect([
      allows(p, "upload", a),
      allows(p, "read", a),
      allows(p, "triage", a),
      allows(p, "admin", a),
    ]).toEqual([true, true, false, false]);
    expect([allows(p, "upload", b), allows(p, "read", b), allows(p, "read", all)]).toEqual([
      false,
      false,
      false,
    ]);
  });
  it("lets a read token read its team's apps (or all with *), nothing else", () => {
    const p = as({ kind: "read", team: "pay" });
    expect([
      allows(p, "read", a),
      allows(p, "read", b),
      allows(p, "upload", a),
      allows(p, "triage", a),
    ]).toEqual([true, false, false, false]);
    expect(allows(p, "read", all)).toBe(false);
    expect(allows(as({ kind: "read", team: "*" }), "read", all)).toBe(true);
  });
  it("lets a triage token read and triage its team's apps, never upload", () => {
    const p = as({ kind: "triage", team: "pay" });
    expect([
      allows(p, "read", a),
      allows(p, "triage", a),
      allows(p, "triage", b),
      allows(p, "upload", a),
    ]).toEqual([true, true, false, false]);
    expect(allows(as({ kind: "triage", team: "*" }), "triage", all)).toBe(true);
  });
  it("lets admin do everything", () => {
    for (const action of ["upload", "read", "triage", "admin"] as const)
      expect(allows(as({ kind: "admin" }), action, all)).toBe(true);
  });
});

describe("parseScope", () => {
  it.each([
    ["upload:payments-*", { kind: "upload", apps: "payments-*" }],
    ["read:*", { kind: "read", team: "*" }],
    ["triage:team-a", { kind: "triage", team: "team-a" }],
    ["admin", { kind: "admin" }],
  ])("%s", (text, scope) => {
    expect(parseScope(text)).toEqual(scope);
  });
  it.each(["root", "admin:x", "upload:", "upload:Bad App", "read", ""])("rejects %j", (text) => {
    expect(parseScope(text)).toBeUndefined();
  });
});

describe("isUsable", () => {
  const base = {
    id: "abc",
    subject: "s",
    scope: { kind: "admin" as const },
    createdAt: "2026-01-01T00:00:00Z",
    createdBy: "x",
  };
  const now = new Date("2026-06-01T00:00:00Z");
  it("refuses revoked and expired tokens, at the instant of expiry too", () => {
    expect(isUsable(base, now)).toBe(true);
    expect(isUsable({ ...base, expiresAt: "2026-06-02T00:00:00Z" }, now)).toBe(true);
    expect(isUsable({ ...base, expiresAt: "2026-06-01T00:00:00Z" }, now)).toBe(false);
    expect(isUsable({ ...base, revokedAt: "2026-05-01T00:00:00Z" }, now)).toBe(false);
  });
});
