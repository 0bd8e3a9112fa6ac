import { describe, expect, it } from "vitest";
import { cell, gateMarkdown } from "#cli/gate-summary";
import type { Gate, GateFinding } from "#shared/domain/gate";
import { DEFAULT_RULES, evaluateGate, PolicyError, parsePolicy, rulesFor } from "#shared/domain/gate-policy";

const finding = (over: Partial<GateFinding>): GateFinding => ({
  id: "f1",
  title: "Problem",
  severity: "medium",
  category: "sast",
  priority: "P3",
  kev: false,
  rule: "r",
  tool: "semgrep",
  ...over,
});
const gate = (findings: GateFinding[]): Gate => ({
  newFindings: findings.length,
  newBySeverity: {},
  fixedFindings: 0,
  findings,
});
const now = new Date("2026-12-10T00:00:00Z");

describe("evaluateGate with the default rules", () => {
  it("blocks new P1/P2, KEV and secrets; passes the rest", () => {
    expect(evaluateGate(gate([finding({ priority: "P2" })]), DEFAULT_RULES, now).outcome).toBe("block");
    expect(evaluateGate(gate([finding({ kev: true, priority: "P4" })]), DEFAULT_RULES, now).outcome).toBe(
      "block",
    );
    expect(
      evaluateGate(gate([finding({ category: "secret", priority: "P3" })]), DEFAULT_RULES, now).blocking[0]
        ?.rules,
    ).toEqual(["new-secret"]);
    expect(
      evaluateGate(gate([finding({ priority: "P3" }), finding({ priority: "P4" })]), DEFAULT_RULES, now)
        .outcome,
    ).toBe("pass");
    expect(
      evaluateGate({ newFindings: 0, newBySeverity: {}, fixedFindings: 2 }, DEFAULT_RULES, now).outcome,
    ).toBe("pass");
  });

  it("never blocks on an excepted finding or one a person closed", () => {
    const d = evaluateGate(
      gate([
        finding({ category: "secret", exception: { id: "EX-1", reason: "test key" } }),
        finding({ id: "f2", priority: "P1", closedAs: "false_positive" }),
      ]),
      DEFAULT_RULES,
      now,
    );
    expect(d.outcome).toBe("pass");
    expect(d.excepted.map((f) => f.id)).toEqual(["f1", "f2"]);
  });
});

describe("policy files", () => {
  const policy = parsePolicy(`
default:
  rules:
    - id: high-sast
      when: { category: [sast], severity: [critical, high] }
      mode: block
      grace: { since: 2026-12-01, days: 14 }
    - { id: mediums, when: { severity: [medium] }, mode: warn }
apps:
  legacy:
    rules:
      - { id: kev-only, when: { kev: true }, mode: block }
`);

  it("warns during a rule's grace period and blocks after it", () => {
    const high = gate([finding({ severity: "high" })]);
    const during = evaluateGate(high, rulesFor(policy, "web"), now);
    expect(during.outcome).toBe("warn");
    expect(during.warnings[0]?.rules).toEqual(["high-sast (grace)"]);
    expect(evaluateGate(high, rulesFor(policy, "web"), new Date("2026-12-15T00:00:00Z")).outcome).toBe(
      "block",
    );
  });

  it("matches a rule only when every condition holds, and uses an app's own rules", () => {
    expect(
      evaluateGate(gate([finding({ severity: "high", category: "sca" })]), rulesFor(policy, "web"), now)
        .outcome,
    ).toBe("pass");
    expect(evaluateGate(gate([finding({ severity: "medium" })]), rulesFor(policy, "web"), now).outcome).toBe(
      "warn",
    );
    expect(
      evaluateGate(gate([finding({ severity: "critical", priority: "P1" })]), rulesFor(policy, "legacy"), now)
        .outcome,
    ).toBe("pass");
    expect(rulesFor(undefined, "x")).toBe(DEFAULT_RULES);
    expect(rulesFor(parsePolicy(""), "x")).toBe(DEFAULT_RULES);
  });

  it.each([
    ["default: { rules: [ { id: x, when: {}, mode: block } ] }", /at least one condition/],
    ["default: { rules: [ { id: x, when: { priority: [P9] }, mode: block } ] }", /priority/],
    ["default: { rules: [ { id: x, when: { kev: true }, mode: stop } ] }", /mode/],
    ["default: { rules: [ { id: x, when: { kev: true }, mode: block, extra: 1 } ] }", /extra/],
    ["default: [", /not YAML/],
  ])("rejects %s", (text, message) => {
    expect(() => parsePolicy(text)).toThrow(PolicyError);
    expect(() => parsePolicy(text)).toThrow(message);
  });
});

describe("the Markdown summary", () => {
  it("escapes report text so a title cannot inject markup or break the table", () => {
    expect(cell("a|b <img src=x onerror=alert(1)> [x](javascript:y) \u001b[31m")).toBe(
      "a\\|b &lt;img src=x onerror=alert(1)&gt; \\[x\\](javascript:y) \\\\u001b\\[31m",
    );
  });

  it("links blocking findings to their line and lists excepted ones", () => {
    const g = gate([
      finding({ title: "Hard-coded key", category: "secret", file: "config/app.yml", line: 4 }),
      finding({ id: "f2", exception: { id: "EX-9", reason: "fixture" } }),
    ]);
    const lines = gateMarkdown(
      {
        scanId: "S1",
        appId: "web",
        branch: "feat",
        status: "processed",
        tracked: false,
        createdAt: "",
        updatedAt: "",
        gate: g,
      },
      evaluateGate(g, DEFAULT_RULES, now),
      { sourceBase: "https://gh.example/acme/web/blob/abc/", scanUrl: "https://api.example/v1/scans/S1" },
    ).join("\n");
    expect(lines).toContain("### ❌ aspm gate: blocked");
    expect(lines).toContain("[config/app.yml:4](https://gh.example/acme/web/blob/abc/config/app.yml#L4)");
    expect(lines).toContain("- Problem: exception EX-9 (fixture)");
  });
});
