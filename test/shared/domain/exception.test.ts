import { describe, expect, it } from "vitest";
import { classifyApp } from "#shared/domain/app-context";
import {
  activateException,
  advanceException,
  approveException,
  EXCEPTION_STATES,
  Exception,
  type ExceptionAction,
  type ExceptionRequest,
  type ExceptionState,
  ExceptionTransitionError,
  expireException,
  expiringWithin,
  isExcepted,
  rejectException,
  requestException,
  reviewException,
  reviewOnIntel,
  revokeException,
} from "#shared/domain/exception";
import type { IntelChange } from "#shared/domain/intel";
import { RiskSubject, scoreFinding } from "#shared/domain/score";

const T0 = new Date("2026-09-01T00:00:00Z");
const at = (days: number) => new Date(T0.getTime() + days * 86_400_000);

const REQUEST: ExceptionRequest = {
  id: "exc-1",
  scope: { kind: "cve", cve: "cve-2021-44228" },
  reason: "Only reachable from the admin VPN; upgrade scheduled with the Q4 platform release.",
  requester: "alice@example.com",
  expiresAt: at(30).toISOString(),
};

const requested = (overrides: Partial<ExceptionRequest> = {}) =>
  requestException({ ...REQUEST, ...overrides }, T0);
const approved = (overrides: Partial<ExceptionRequest> = {}) =>
  approveException(requested(overrides), "bob@example.com", at(1));
const active = (overrides: Partial<ExceptionRequest> = {}) => activateException(approved(overrides), at(1));

describe("requestException", () => {
  it("creates a requested exception with a canonical CVE scope and an audit entry", () => {
    const e = requested();
    expect(e.state).toBe("requested");
    expect(e.scope).toEqual({ kind: "cve", cve: "CVE-2021-44228" });
    expect(e.requestedAt).toBe(T0.toISOString());
    expect(e.history).toEqual([
      { at: T0.toISOString(), actor: "alice@example.com", from: null, to: "requested", note: REQUEST.reason },
    ]);
    expect(Exception.safeParse(e).success).toBe(true);
  });

  it.each([
    ["an expiry in the past", { expiresAt: at(-1).toISOString() }, /expiresAt/],
    ["no reason", { reason: "  " }, /reason/],
    ["no requester", { requester: "" }, /requester/],
    ["a malformed CVE", { scope: { kind: "cve" as const, cve: "log4shell" } }, /scope\.cve/],
  ])("rejects %s", (_, overrides, message) => {
    expect(() => requested(overrides)).toThrow(ExceptionTransitionError);
    expect(() => requested(overrides)).toThrow(message);
  });
});

describe("transitions", () => {
  it("requested → approved by someone else → active → expired", () => {
    const a = approved();
    expect(a.state).toBe("approved");
    expect(a.decidedBy).toBe("bob@example.com");
    const b = activateException(a, at(1));
    expect(b.state).toBe("active");
    const c = expireException(b, at(30));
    expect(c.state).toBe("expired");
    expect(c.history.map((h) => [h.from, h.to, h.actor])).toEqual([
      [null, "requested", "alice@example.com"],
      ["requested", "approved", "bob@example.com"],
      ["approved", "active", "system"],
      ["active", "expired", "system"],
    ]);
  });

  it("refuses approval by the requester, whatever the case or spacing", () => {
    expect(() => approveException(requested(), " Alice@Example.com ", at(1))).toThrow(
      /the approver \( Alice@Example.com \) is its requester; someone else must approve/,
    );
  });

  it("refuses an anonymous decision", () => {
    expect(() => approveException(requested(), "  ", at(1))).toThrow(/a person must be named/);
    expect(() => rejectException(requested(), "", at(1))).toThrow(/a person must be named/);
  });

  it("refuses approval or activation after the expiry", () => {
    expect(() => approveException(requested(), "bob", at(30))).toThrow(/expired/);
    expect(() => activateException(approved(), at(31))).toThrow(/expired/);
  });

  it("requested → rejected, also by the requester (a withdrawal)", () => {
    expect(rejectException(requested(), "bob", at(1), "fix it instead").state).toBe("rejected");
    expect(rejectException(requested(), "alice@example.com", at(1)).state).toBe("rejected");
  });

  it("approved waits for its start date before it activates", () => {
    const a = approved({ startsAt: at(5).toISOString() });
    expect(() => activateException(a, at(2))).toThrow(/starts at/);
    expect(activateException(a, at(5)).state).toBe("active");
  });

  it("active → expired only from the expiry on; revoke ends it early with a note", () => {
    expect(() => expireException(active(), at(29))).toThrow(/revoke it to end it early/);
    expect(() => revokeException(active(), "carol", at(10), " ")).toThrow(/without a note/);
    const revoked = revokeException(active(), "carol", at(10), "fixed in 2.17.1");
    expect(revoked.state).toBe("expired");
    expect(revoked.history.at(-1)).toMatchObject({
      from: "active",
      to: "expired",
      actor: "carol",
      note: "fixed in 2.17.1",
    });
  });

  it("active → review → approved (by someone else) → active", () => {
    const r = reviewException(active(), at(3), "CVE-2021-44228: kev-added");
    expect(r.state).toBe("review");
    expect(r.reviewReason).toBe("CVE-2021-44228: kev-added");
    expect(() => approveException(r, "alice@example.com", at(4))).toThrow(/requester/);
    const again = approveException(r, "dave", at(4), "still only on the VPN");
    expect(again.state).toBe("approved");
    expect(again.reviewReason).toBeUndefined();
    expect(activateException(again, at(4)).state).toBe("active");
  });

  it("approved → review; review → rejected; review → expired", () => {
    expect(reviewException(approved(), at(2), "x").state).toBe("review");
    expect(rejectException(reviewException(active(), at(2), "x"), "dave", at(3)).state).toBe("rejected");
    expect(expireException(reviewException(active(), at(2), "x"), at(30)).state).toBe("expired");
  });

  const build: Record<ExceptionState, () => Exception> = {
    requested: () => requested(),
    approved: () => approved(),
    rejected: () => rejectException(requested(), "bob", at(1)),
    active: () => active(),
    expired: () => expireException(active(), at(30)),
    review: () => reviewException(active(), at(2), "x"),
  };
  const act: Record<ExceptionAction, (e: Exception) => Exception> = {
    approve: (e) => approveException(e, "erin", at(2)),
    reject: (e) => rejectException(e, "erin", at(2)),
    activate: (e) => activateException(e, at(2)),
    expire: (e) => expireException(e, at(30)),
    revoke: (e) => revokeException(e, "erin", at(2), "done"),
    review: (e) => reviewException(e, at(2), "x"),
  };
  const allowed: Record<ExceptionAction, ExceptionState[]> = {
    approve: ["requested", "review"],
    reject: ["requested", "review"],
    activate: ["approved"],
    expire: ["approved", "active", "review"],
    revoke: ["approved", "active", "review"],
    review: ["approved", "active"],
  };
  const ACTIONS: ExceptionAction[] = ["approve", "reject", "activate", "expire", "revoke", "review"];
  const cases = EXCEPTION_STATES.flatMap((state) =>
    ACTIONS.map((action) => ({ state, action, ok: allowed[action].includes(state) })),
  );

  it.each(cases)("$action from $state: allowed=$ok", ({ state, action, ok }) => {
    const from = build[state]();
    expect(from.state).toBe(state);
    if (ok) {
      const to = act[action](from);
      expect(Exception.safeParse(to).success).toBe(true);
      expect(to.history.at(-1)?.from).toBe(state);
    } else {
      expect(() => act[action](from)).toThrow(ExceptionTransitionError);
      expect(() => act[action](from)).toThrow(
        new RegExp(`cannot ${action} exception exc-1: it is ${state}; ${action} is allowed only from`),
      );
    }
  });
});

describe("advanceException (the clock)", () => {
  it("activates an approved exception, expires a past one, leaves the rest", () => {
    expect(advanceException(approved(), at(1)).state).toBe("active");
    expect(advanceException(approved({ startsAt: at(3).toISOString() }), at(2)).state).toBe("approved");
    expect(advanceException(active(), at(30)).state).toBe("expired");
    expect(advanceException(reviewException(active(), at(2), "x"), at(31)).state).toBe("expired");
    const untouched = active();
    expect(advanceException(untouched, at(10))).toBe(untouched);
    const rejected = rejectException(requested(), "bob", at(1));
    expect(advanceException(rejected, at(40))).toBe(rejected);
  });
});

describe("isExcepted", () => {
  const finding = {
    findingId: "f-1",
    appId: "payments-api",
    ruleId: "java.lang.security.log4j",
    vulnerabilityIds: ["GHSA-jfh8-c2jp-5v3q", "CVE-2021-44228"],
  };

  it("matches an active CVE exception across apps", () => {
    const e = active();
    expect(isExcepted(finding, [e], at(5))).toBe(e);
    expect(isExcepted({ ...finding, appId: "other" }, [e], at(5))).toBe(e);
    expect(isExcepted({ ...finding, vulnerabilityIds: ["CVE-2022-22965"] }, [e], at(5))).toBeUndefined();
  });

  it("matches a finding id, and a rule only in its app", () => {
    const byFinding = active({ id: "exc-f", scope: { kind: "finding", findingId: "f-1" } });
    const byRule = active({
      id: "exc-r",
      scope: { kind: "rule", appId: "payments-api", ruleId: "java.lang.security.log4j" },
    });
    expect(isExcepted(finding, [byFinding], at(5))).toBe(byFinding);
    expect(isExcepted({ ...finding, findingId: "f-2" }, [byFinding], at(5))).toBeUndefined();
    expect(isExcepted(finding, [byRule], at(5))).toBe(byRule);
    expect(isExcepted({ ...finding, appId: "other-app" }, [byRule], at(5))).toBeUndefined();
  });

  it("matches the listed findings of one app (a ticket's risk acceptance)", () => {
    const byTicket = active({
      id: "exc-t",
      scope: { kind: "findings", appId: "payments-api", findingIds: ["f-1", "f-3"], ticket: "SEC-12" },
    });
    expect(isExcepted(finding, [byTicket], at(5))).toBe(byTicket);
    expect(isExcepted({ ...finding, findingId: "f-2" }, [byTicket], at(5))).toBeUndefined();
    expect(isExcepted({ ...finding, appId: "other-app" }, [byTicket], at(5))).toBeUndefined();
    // as specific as a single finding: it wins over a CVE-wide exception
    expect(isExcepted(finding, [active(), byTicket], at(5))?.id).toBe("exc-t");
  });

  it("prefers the most specific scope", () => {
    const byCve = active();
    const byRule = active({
      id: "exc-r",
      scope: { kind: "rule", appId: "payments-api", ruleId: "java.lang.security.log4j" },
    });
    const byFinding = active({ id: "exc-f", scope: { kind: "finding", findingId: "f-1" } });
    expect(isExcepted(finding, [byCve, byRule, byFinding], at(5))?.id).toBe("exc-f");
    expect(isExcepted(finding, [byCve, byRule], at(5))?.id).toBe("exc-r");
  });

  it("ignores exceptions that are not active, and active ones past their expiry", () => {
    expect(
      isExcepted(finding, [requested(), approved(), reviewException(active(), at(2), "x")], at(5)),
    ).toBeUndefined();
    expect(isExcepted(finding, [active()], at(30))).toBeUndefined();
  });

  it("expiry puts the finding back with its original SLA: nothing restarts", () => {
    const s = RiskSubject.parse({
      severity: "critical",
      category: "sca",
      cwes: [],
      vulnerabilityIds: finding.vulnerabilityIds,
      cvss: { version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H" },
      firstSeenAt: T0.toISOString(),
    });
    const app = classifyApp("payments-api", {
      criticality: "critical",
      exposure: "internet",
      data: "pci",
      environment: "production",
    });
    const during = scoreFinding({ subject: s, app, intel: undefined, now: at(10) });
    const after = scoreFinding({ subject: s, app, intel: undefined, now: at(31) });
    expect(isExcepted(finding, [active()], at(10))).toBeDefined();
    expect(isExcepted(finding, [active()], at(31))).toBeUndefined();
    expect(after.dueAt).toBe(during.dueAt);
    expect(after.dueAt).toBe(new Date(T0.getTime() + 30 * 86_400_000).toISOString());
  });
});

describe("expiringWithin", () => {
  it("lists approved or active exceptions expiring within the window, soonest first", () => {
    const soon = active({ id: "soon", expiresAt: at(12).toISOString() });
    const sooner = approved({ id: "sooner", expiresAt: at(8).toISOString() });
    const later = active({ id: "later", expiresAt: at(30).toISOString() });
    const gone = expireException(active({ id: "gone", expiresAt: at(3).toISOString() }), at(3));
    const pending = requested({ id: "pending", expiresAt: at(9).toISOString() });
    expect(expiringWithin([later, soon, gone, pending, sooner], at(2), 14).map((e) => e.id)).toEqual([
      "sooner",
      "soon",
    ]);
    expect(expiringWithin([later, soon, sooner], at(2)).map((e) => e.id)).toEqual(["sooner", "soon"]);
    expect(expiringWithin([later], at(16)).map((e) => e.id)).toEqual(["later"]);
  });
});

describe("reviewOnIntel", () => {
  const change = (cve: string, reasons: IntelChange["reasons"], escalation: boolean): IntelChange => ({
    cve,
    reasons,
    escalation,
    previous: undefined,
    next: undefined,
  });

  it("sends an active CVE exception back to review on a KEV listing", () => {
    const [reviewed, ...rest] = reviewOnIntel(
      [active()],
      [change("CVE-2021-44228", ["kev-added"], true)],
      at(4),
    );
    expect(rest).toEqual([]);
    expect(reviewed?.state).toBe("review");
    expect(reviewed?.reviewReason).toBe("CVE-2021-44228: kev-added");
    const finding = { findingId: "f", appId: "a", vulnerabilityIds: ["CVE-2021-44228"] };
    expect(isExcepted(finding, reviewed ? [reviewed] : [], at(5))).toBeUndefined();
  });

  it("names only the escalating reasons", () => {
    const [reviewed] = reviewOnIntel(
      [active()],
      [change("CVE-2021-44228", ["epss-band-up", "kev-due-date-changed", "epss-poc-up"], true)],
      at(4),
    );
    expect(reviewed?.reviewReason).toBe("CVE-2021-44228: epss-band-up, epss-poc-up");
  });

  it("ignores changes that do not escalate, other CVEs, and exceptions not in force", () => {
    expect(reviewOnIntel([active()], [change("CVE-2021-44228", ["epss-band-down"], false)], at(4))).toEqual(
      [],
    );
    expect(reviewOnIntel([active()], [change("CVE-2022-22965", ["kev-added"], true)], at(4))).toEqual([]);
    const notInForce = [
      requested(),
      rejectException(requested(), "bob", at(1)),
      reviewException(active(), at(2), "x"),
    ];
    expect(reviewOnIntel(notInForce, [change("CVE-2021-44228", ["kev-added"], true)], at(4))).toEqual([]);
  });

  it("reviews finding- and rule-scoped exceptions through the caller's CVE lookup", () => {
    const byFinding = active({ id: "exc-f", scope: { kind: "finding", findingId: "f-1" } });
    const cvesOf = (e: Exception) =>
      e.scope.kind === "finding" && e.scope.findingId === "f-1" ? ["cve-2021-44228"] : [];
    expect(reviewOnIntel([byFinding], [change("CVE-2021-44228", ["kev-added"], true)], at(4))).toEqual([]);
    const out = reviewOnIntel([byFinding], [change("CVE-2021-44228", ["kev-added"], true)], at(4), cvesOf);
    expect(out.map((e) => [e.id, e.state])).toEqual([["exc-f", "review"]]);
  });
});

describe("Exception schema", () => {
  it("rejects an expiry before the request", () => {
    const e = requested();
    expect(Exception.safeParse({ ...e, expiresAt: at(-1).toISOString() }).success).toBe(false);
  });
});
