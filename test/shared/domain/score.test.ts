import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AppContext,
  CRITICALITIES,
  classifyApp,
  DATA_SENSITIVITIES,
  ENVIRONMENTS,
  EXPOSURES,
} from "#shared/domain/app-context";
import { CATEGORIES, SEVERITIES, VexState } from "#shared/domain/finding";
import type { IntelRecord } from "#shared/domain/intel";
import { DEFAULT_RISK_POLICY, parseRiskPolicy } from "#shared/domain/risk-policy";
import {
  automatableOf,
  effectiveCvss,
  explainRisk,
  exploitationOf,
  missionOf,
  PRIORITY_FOR_DECISION,
  RiskSubject,
  renderFactor,
  type ScoreInput,
  scoreFinding,
  technicalImpactOf,
} from "#shared/domain/score";
import { decide } from "#shared/domain/ssvc";
import { REPO_ROOT } from "#test/support/corpus";

// table cells are compared without the column padding a formatter may add
const RISK_DOC = readFileSync(resolve(REPO_ROOT, "docs/RISK.md"), "utf8")
  .split("\n")
  .map((line) => (line.startsWith("|") ? line.replace(/ {2,}\|/g, " |").replace(/\| {2,}/g, "| ") : line))
  .join("\n");

const payments = classifyApp("payments-api", {
  criticality: "critical",
  exposure: "internet",
  data: "pci",
  environment: "production",
  controls: ["waf"],
});
const wiki = classifyApp("intranet-wiki", {
  criticality: "low",
  exposure: "internal",
  data: "none",
  environment: "production",
});
const portal = classifyApp("customer-portal", {
  criticality: "high",
  exposure: "internet",
  data: "pii",
  environment: "production",
});

function subject(overrides: Partial<RiskSubject>): RiskSubject {
  return RiskSubject.parse({
    severity: "medium",
    category: "sca",
    cwes: [],
    vulnerabilityIds: [],
    firstSeenAt: "2026-09-01T00:00:00Z",
    ...overrides,
  });
}

const kev = (dueDate: string, ransomware = false): NonNullable<IntelRecord["kev"]> => ({
  dateAdded: "2026-08-07",
  dueDate,
  ransomware,
});

interface Example {
  name: string;
  input: ScoreInput;
  risk: number;
  decision: string;
  priority: string;
  dueAt: string;
  dueBy: "sla" | "kev";
}

/** The worked examples of docs/RISK.md, input for input. */
const EXAMPLES: Example[] = [
  {
    name: "A: known exploited, internet-facing payments API",
    input: {
      subject: subject({
        severity: "critical",
        cwes: ["CWE-78"],
        vulnerabilityIds: ["CVE-2026-8037"],
        cvss: { version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" },
        exploit: "active",
        package: { direct: true, scope: "runtime" },
        firstSeenAt: "2026-08-08T09:00:00Z",
      }),
      app: payments,
      intel: { kev: kev("2026-08-10"), epss: { score: 0.62, percentile: 0.995 } },
      now: new Date("2026-08-09T09:00:00Z"),
    },
    risk: 100,
    decision: "Act",
    priority: "P1",
    dueAt: "2026-08-10T23:59:59.999Z",
    dueBy: "kev",
  },
  {
    name: "B: the KEV floor",
    input: {
      subject: subject({
        severity: "medium",
        cvss: { version: "3.1", vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N" },
        package: { direct: false },
        firstSeenAt: "2026-09-10T00:00:00Z",
      }),
      app: wiki,
      intel: {
        kev: { dateAdded: "2026-09-20", dueDate: "2026-09-23", ransomware: false },
        epss: { score: 0.05, percentile: 0.91 },
      },
      now: new Date("2026-09-21T00:00:00Z"),
    },
    risk: 44,
    decision: "Track",
    priority: "P2",
    dueAt: "2026-09-23T23:59:59.999Z",
    dueBy: "kev",
  },
  {
    name: "C: a SAST finding with no intel",
    input: {
      subject: subject({
        severity: "high",
        category: "sast",
        cwes: ["CWE-89"],
        firstSeenAt: "2026-05-01T12:00:00Z",
      }),
      app: portal,
      intel: undefined,
      now: new Date("2026-09-28T12:00:00Z"),
    },
    risk: 55,
    decision: "Track",
    priority: "P4",
    dueAt: "2026-10-28T12:00:00.000Z",
    dueBy: "sla",
  },
  {
    name: "D: VEX not_affected",
    input: {
      subject: subject({
        severity: "critical",
        cvss: { version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N" },
        package: { direct: true, scope: "dev" },
        vex: { state: "not_affected", justification: "vulnerable_code_not_in_execute_path" },
        firstSeenAt: "2026-09-01T00:00:00Z",
      }),
      app: payments,
      intel: { epss: { score: 0.2, percentile: 0.975 } },
      now: new Date("2026-09-15T00:00:00Z"),
    },
    risk: 0,
    decision: "Attend",
    priority: "P2",
    dueAt: "2026-10-01T00:00:00.000Z",
    dueBy: "sla",
  },
  {
    name: "E: clamped at 0, unclassified app",
    input: {
      subject: subject({
        severity: "low",
        package: { direct: false, scope: "dev" },
        reachability: "unreachable",
        firstSeenAt: "2026-09-01T00:00:00Z",
      }),
      app: classifyApp("sandbox", { environment: "dev", criticality: "bogus" }),
      intel: undefined,
      now: new Date("2026-09-15T00:00:00Z"),
    },
    risk: 0,
    decision: "Track",
    priority: "P4",
    dueAt: "2027-02-28T00:00:00.000Z",
    dueBy: "sla",
  },
];

const sumOf = (factors: readonly { effect: number }[]) => factors.reduce((t, f) => t + f.effect, 0);

describe("worked examples (docs/RISK.md)", () => {
  it.each(EXAMPLES)("$name", (example) => {
    const result = scoreFinding(example.input);
    expect(result.risk).toBe(example.risk);
    expect(result.decision).toBe(example.decision);
    expect(result.priority).toBe(example.priority);
    expect(result.dueAt).toBe(example.dueAt);
    expect(result.dueBy).toBe(example.dueBy);
    expect(sumOf(result.factors)).toBe(result.risk);
    const block = ["```text", ...explainRisk(result), "```"].join("\n");
    expect(
      RISK_DOC,
      `docs/RISK.md must show example ${example.name} exactly as explainRisk prints it`,
    ).toContain(block);
  });

  it("shows the clamp and the suppression as factors", () => {
    const [a, , , d, e] = EXAMPLES.map((x) => scoreFinding(x.input));
    expect(a?.factors.at(-1)).toEqual({ name: "Clamp", value: "capped at 100", effect: -12 });
    expect(e?.factors.at(-1)).toEqual({ name: "Clamp", value: "floored at 0", effect: 52 });
    expect(d?.suppressed).toEqual({ reason: "VEX not_affected: vulnerable_code_not_in_execute_path" });
    expect(d?.factors.at(-1)?.name).toBe("Suppressed");
  });
});

describe("docs/RISK.md lists every default", () => {
  const leaves = (value: unknown, path: string): [string, string][] => {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      return Object.entries(value).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k));
    }
    return Array.isArray(value) ? [] : [[path, String(value)]];
  };
  const scalars = leaves(DEFAULT_RISK_POLICY, "");

  it.each(scalars)("`%s` = %s", (path, value) => {
    expect(RISK_DOC).toContain(`| \`${path}\` | ${value} |`);
  });

  it("lists the EPSS bands", () => {
    for (const band of DEFAULT_RISK_POLICY.epss.bands) {
      expect(RISK_DOC).toContain(`| ${band.name} | ${band.minPercentile} | ${band.points} |`);
    }
  });

  it("lists the decision → priority mapping", () => {
    for (const [decision, priority] of Object.entries(PRIORITY_FOR_DECISION)) {
      expect(RISK_DOC).toContain(`| ${decision} | ${priority} |`);
    }
  });
});

describe("factor sums", () => {
  const appArb = fc
    .record({
      criticality: fc.constantFrom(...CRITICALITIES, "unknown"),
      exposure: fc.constantFrom(...EXPOSURES),
      data: fc.constantFrom(...DATA_SENSITIVITIES),
      environment: fc.constantFrom(...ENVIRONMENTS),
      controls: fc.array(fc.constantFrom("waf", "rasp", "mtls"), { maxLength: 3 }),
    })
    .map((fields): AppContext => classifyApp("app", fields));
  const subjectArb = fc
    .record({
      severity: fc.constantFrom(...SEVERITIES),
      category: fc.constantFrom(...CATEGORIES),
      cvss: fc.option(
        fc.constantFrom(
          { version: "3.1" as const, vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" },
          { version: "3.1" as const, vector: "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N" },
          { version: "2.0" as const, vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P" },
          { version: "4.0" as const, score: 6.9 },
          { version: "3.1" as const, vector: "junk", score: 0.5 },
        ),
        { nil: undefined },
      ),
      cwes: fc.array(fc.constantFrom("CWE-79", "CWE-502", "CWE-89"), { maxLength: 2 }),
      package: fc.option(
        fc.record({
          direct: fc.option(fc.boolean(), { nil: undefined }),
          scope: fc.constantFrom("runtime" as const, "dev" as const),
        }),
        { nil: undefined },
      ),
      reachability: fc.option(
        fc.constantFrom("reachable" as const, "unreachable" as const, "unknown" as const),
        {
          nil: undefined,
        },
      ),
      vex: fc.option(fc.record({ state: fc.constantFrom(...VexState.options) }), { nil: undefined }),
      exploit: fc.option(fc.constantFrom("active" as const, "poc" as const, "none" as const), {
        nil: undefined,
      }),
      ageDays: fc.integer({ min: 0, max: 2000 }),
    })
    .map(({ ageDays, ...rest }) =>
      subject({
        ...rest,
        firstSeenAt: new Date(Date.parse("2026-10-01T00:00:00Z") - ageDays * 86_400_000).toISOString(),
      }),
    );
  const intelArb = fc.option(
    fc.record({
      kev: fc.option(
        fc.record({
          dateAdded: fc.constant("2026-01-01"),
          dueDate: fc.constant("2026-01-04"),
          ransomware: fc.boolean(),
        }),
        {
          nil: undefined,
        },
      ),
      epss: fc.option(
        fc.record({
          score: fc.double({ min: 0, max: 1, noNaN: true }),
          percentile: fc.double({ min: 0, max: 1, noNaN: true }),
        }),
        { nil: undefined },
      ),
    }),
    { nil: undefined },
  );

  it("sum to the risk exactly, which is an integer in 0..100, for any input", () => {
    fc.assert(
      fc.property(subjectArb, appArb, intelArb, (s, app, intel) => {
        const result = scoreFinding({ subject: s, app, intel, now: new Date("2026-10-01T00:00:00Z") });
        expect(Number.isInteger(result.risk)).toBe(true);
        expect(result.risk).toBeGreaterThanOrEqual(0);
        expect(result.risk).toBeLessThanOrEqual(100);
        expect(sumOf(result.factors)).toBe(result.risk);
        for (const f of result.factors) expect(Number.isInteger(f.effect)).toBe(true);
        if (intel?.kev && !result.suppressed) expect(["P1", "P2"]).toContain(result.priority);
      }),
      { numRuns: 300 },
    );
  });

  it("render one line each, with the sign", () => {
    expect(renderFactor({ name: "KEV", value: "known exploited", effect: 35 })).toBe(
      "KEV: known exploited, +35",
    );
    expect(renderFactor({ name: "Controls", value: "waf", effect: -5 })).toBe("Controls: waf, -5");
    expect(renderFactor({ name: "Environment", value: "production", effect: 0 })).toBe(
      "Environment: production, +0",
    );
  });
});

describe("KEV floor", () => {
  const base = {
    subject: subject({ severity: "low", category: "sast" }),
    app: wiki,
    now: new Date("2026-09-02T00:00:00Z"),
  };

  it("lifts a KEV-listed Track to P2 and says so", () => {
    const result = scoreFinding({ ...base, intel: { kev: kev("2030-01-01") } });
    expect(result.decision).toBe("Track");
    expect(result.priority).toBe("P2");
    expect(result.floor).toEqual({ from: "P4", reason: "KEV-listed" });
    expect(explainRisk(result)).toContain("Priority: P2 (KEV-listed floor; table says P4)");
  });

  it("does not touch a finding that is not in KEV", () => {
    const result = scoreFinding({ ...base, intel: { epss: { score: 0.5, percentile: 0.999 } } });
    expect(result.priority).toBe("P4");
    expect(result.floor).toBeUndefined();
  });

  it("never lowers a higher priority", () => {
    const result = scoreFinding({
      subject: subject({
        severity: "critical",
        cvss: { version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" },
      }),
      app: payments,
      intel: { kev: kev("2030-01-01") },
      now: base.now,
    });
    expect(result.priority).toBe("P1");
    expect(result.floor).toBeUndefined();
  });

  it("follows the policy's floor", () => {
    const policy = parseRiskPolicy({ kevPriorityFloor: "P1" });
    expect(scoreFinding({ ...base, intel: { kev: kev("2030-01-01") }, policy }).priority).toBe("P1");
  });
});

describe("secret floor", () => {
  const secret = (verified?: boolean) =>
    subject({
      severity: "high",
      category: "secret",
      secret: verified === undefined ? {} : { verified },
    });
  const unclassified = classifyApp("new-app", {});
  const now = new Date("2026-09-02T00:00:00Z");

  it("makes a verified live credential P1 in an unclassified app, where the table says Track", () => {
    const result = scoreFinding({ subject: secret(true), app: unclassified, intel: undefined, now });
    expect(result.decision).toBe("Track");
    expect(result.priority).toBe("P1");
    expect(result.floor).toEqual({ from: "P4", reason: "verified live secret" });
    expect(explainRisk(result)).toContain("Priority: P1 (verified live secret floor; table says P4)");
    expect(result.dueAt).toBe("2026-09-08T00:00:00.000Z");
  });

  it("makes an unverified secret, or one from a tool that does not verify, P3", () => {
    for (const verified of [false, undefined]) {
      const result = scoreFinding({ subject: secret(verified), app: unclassified, intel: undefined, now });
      expect(result.priority).toBe("P3");
      expect(result.floor).toEqual({ from: "P4", reason: "leaked secret" });
    }
    // a secrets-category finding whose report was redacted (no SecretRef) is still a secret
    const redacted = subject({ severity: "high", category: "secret" });
    expect(scoreFinding({ subject: redacted, app: unclassified, intel: undefined, now }).priority).toBe("P3");
  });

  it("leaves other categories alone and never lowers a priority", () => {
    const sast = subject({ severity: "high", category: "sast" });
    expect(scoreFinding({ subject: sast, app: unclassified, intel: undefined, now }).priority).toBe("P4");
    const kevListed = { ...secret(false), severity: "low" as const, vulnerabilityIds: ["CVE-2017-5638"] };
    const result = scoreFinding({
      subject: kevListed,
      app: unclassified,
      intel: { kev: kev("2030-01-01") },
      now,
    });
    expect(result.priority).toBe("P2");
    expect(result.floor?.reason).toBe("KEV-listed");
  });

  it("follows the policy", () => {
    const policy = parseRiskPolicy({ secretPriorityFloor: { verified: "P2", unverified: "P4" } });
    const at = (verified: boolean) =>
      scoreFinding({ subject: secret(verified), app: unclassified, intel: undefined, now, policy }).priority;
    expect([at(true), at(false)]).toEqual(["P2", "P4"]);
  });
});

describe("due date", () => {
  const base = {
    subject: subject({ severity: "low", category: "sast", firstSeenAt: "2026-09-01T00:00:00Z" }),
    app: wiki,
    now: new Date("2026-09-02T00:00:00Z"),
  };

  it("is first seen + SLA days for the priority", () => {
    const result = scoreFinding({ ...base, intel: undefined });
    expect(result.priority).toBe("P4");
    expect(result.dueAt).toBe("2027-02-28T00:00:00.000Z");
    expect(result.dueBy).toBe("sla");
  });

  it("is clamped to the KEV due date when that is earlier (3-day BOD 26-04 deadlines included)", () => {
    const result = scoreFinding({ ...base, intel: { kev: kev("2026-09-04") } });
    expect(result.priority).toBe("P2");
    expect(result.dueAt).toBe("2026-09-04T23:59:59.999Z");
    expect(result.dueBy).toBe("kev");
  });

  it("keeps the SLA date when the KEV due date is later", () => {
    const result = scoreFinding({ ...base, intel: { kev: kev("2026-12-31") } });
    expect(result.dueAt).toBe("2026-10-01T00:00:00.000Z");
    expect(result.dueBy).toBe("sla");
  });

  it("follows the policy's SLA days", () => {
    const policy = parseRiskPolicy({ slaDays: { P2: 14 } });
    const result = scoreFinding({ ...base, intel: { kev: kev("2026-12-31") }, policy });
    expect(result.dueAt).toBe("2026-09-15T00:00:00.000Z");
  });

  it("does not depend on when the score is computed (the clock runs from first seen)", () => {
    const early = scoreFinding({ ...base, intel: undefined, now: new Date("2026-09-02T00:00:00Z") });
    const late = scoreFinding({ ...base, intel: undefined, now: new Date("2026-12-25T00:00:00Z") });
    expect(late.dueAt).toBe(early.dueAt);
  });

  it("rejects a first-seen time that is not a time", () => {
    expect(() =>
      scoreFinding({ ...base, subject: { ...base.subject, firstSeenAt: "yesterday" }, intel: undefined }),
    ).toThrow(/firstSeenAt/);
  });
});

describe("VEX", () => {
  const vulnerable = subject({
    severity: "high",
    cvss: { version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" },
  });
  const now = new Date("2026-09-02T00:00:00Z");

  it("not_affected suppresses to risk 0 and keeps the reason", () => {
    const result = scoreFinding({
      subject: { ...vulnerable, vex: { state: "not_affected", detail: "we never call the parser" } },
      app: payments,
      intel: { kev: kev("2030-01-01") },
      now,
    });
    expect(result.risk).toBe(0);
    expect(result.suppressed).toEqual({ reason: "VEX not_affected: we never call the parser" });
    expect(sumOf(result.factors)).toBe(0);
  });

  it("not_affected without a justification still says why", () => {
    const result = scoreFinding({
      subject: { ...vulnerable, vex: { state: "not_affected" } },
      app: payments,
      intel: undefined,
      now,
    });
    expect(result.suppressed).toEqual({ reason: "VEX not_affected" });
  });

  it("other states do not suppress unless the policy says so", () => {
    const fp = { ...vulnerable, vex: { state: "false_positive" as const } };
    expect(scoreFinding({ subject: fp, app: payments, intel: undefined, now }).suppressed).toBeUndefined();
    const policy = parseRiskPolicy({ vexSuppressStates: ["not_affected", "false_positive"] });
    expect(scoreFinding({ subject: fp, app: payments, intel: undefined, now, policy }).risk).toBe(0);
  });

  it("exploitable adds its weight", () => {
    const result = scoreFinding({
      subject: { ...vulnerable, vex: { state: "exploitable" } },
      app: wiki,
      intel: undefined,
      now,
    });
    expect(result.factors).toContainEqual({ name: "VEX", value: "exploitable", effect: 5 });
  });
});

describe("policy overrides change the outcome", () => {
  const input: ScoreInput = {
    subject: subject({ severity: "medium", category: "sast" }),
    app: wiki,
    intel: { kev: kev("2030-01-01"), epss: { score: 0.05, percentile: 0.92 } },
    now: new Date("2026-09-02T00:00:00Z"),
  };

  it("weights", () => {
    const before = scoreFinding(input);
    const after = scoreFinding({ ...input, policy: parseRiskPolicy({ weights: { kev: 45 } }) });
    expect(after.risk - before.risk).toBe(10);
    expect(after.factors).toContainEqual({ name: "KEV", value: "known exploited", effect: 45 });
  });

  it("EPSS bands", () => {
    const policy = parseRiskPolicy({
      epss: {
        bands: [
          { name: "hot", minPercentile: 0.9, points: 25 },
          { name: "cold", minPercentile: 0, points: 0 },
        ],
      },
    });
    expect(scoreFinding({ ...input, policy }).factors).toContainEqual({
      name: "EPSS",
      value: "0.05 (p92.0, hot)",
      effect: 25,
    });
  });

  it("EPSS poc threshold", () => {
    const noKev = { ...input, intel: { epss: { score: 0.05, percentile: 0.92 } } };
    expect(scoreFinding(noKev).ssvc.exploitation).toBe("none");
    expect(
      scoreFinding({ ...noKev, policy: parseRiskPolicy({ epss: { pocThreshold: 0.05 } }) }).ssvc.exploitation,
    ).toBe("poc");
  });

  it("mission mapping", () => {
    const policy = parseRiskPolicy({ mission: { byCriticality: { low: "high" } } });
    expect(scoreFinding({ ...input, policy }).ssvc.mission).toBe("high");
  });
});

describe("SSVC decision points", () => {
  const p = DEFAULT_RISK_POLICY;

  it("exploitation: active only from KEV; poc from EPSS ≥ threshold or a tool exploit; else none", () => {
    expect(exploitationOf({}, { kev: kev("2030-01-01") }, p)).toBe("active");
    expect(exploitationOf({ exploit: "active" }, undefined, p)).toBe("poc");
    expect(exploitationOf({ exploit: "poc" }, undefined, p)).toBe("poc");
    expect(exploitationOf({}, { epss: { score: 0.1, percentile: 0.95 } }, p)).toBe("poc");
    expect(exploitationOf({}, { epss: { score: 0.09999, percentile: 0.95 } }, p)).toBe("none");
    expect(exploitationOf({ exploit: "none" }, undefined, p)).toBe("none");
  });

  it("automatable: internet-facing and network-reachable (AV:N or DAST)", () => {
    const av = (vector: string) => ({ version: "3.1" as const, vector });
    const network = av("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    expect(automatableOf({ category: "sca", cvss: network }, payments)).toBe("yes");
    expect(automatableOf({ category: "sca", cvss: network }, wiki)).toBe("no");
    expect(
      automatableOf({ category: "sca", cvss: av("CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") }, payments),
    ).toBe("no");
    expect(automatableOf({ category: "dast" }, payments)).toBe("yes");
    expect(automatableOf({ category: "sast" }, payments)).toBe("no");
  });

  it("technical impact: total for critical/high (tool or CVSS band) or an RCE-class CWE", () => {
    expect(technicalImpactOf({ severity: "high", cwes: [] }, undefined, p)).toBe("total");
    expect(technicalImpactOf({ severity: "medium", cwes: [] }, undefined, p)).toBe("partial");
    expect(technicalImpactOf({ severity: "medium", cwes: [] }, { version: "3.1", score: 7.5 }, p)).toBe(
      "total",
    );
    expect(technicalImpactOf({ severity: "low", cwes: ["CWE-502"] }, undefined, p)).toBe("total");
    expect(technicalImpactOf({ severity: "low", cwes: ["cwe-094"] }, undefined, p)).toBe("total");
    expect(technicalImpactOf({ severity: "low", cwes: ["CWE-79"] }, undefined, p)).toBe("partial");
  });

  it.each(CRITICALITIES.flatMap((criticality) => DATA_SENSITIVITIES.map((data) => ({ criticality, data }))))(
    "mission for $criticality / $data is the higher documented lookup",
    ({ criticality, data }) => {
      const mission = missionOf({ criticality, data }, p);
      const a = p.mission.byCriticality[criticality];
      const b = p.mission.byData[data];
      const order = ["low", "medium", "high"];
      expect(order.indexOf(mission)).toBe(Math.max(order.indexOf(a), order.indexOf(b)));
      expect(RISK_DOC).toContain(`| \`mission.byCriticality.${criticality}\` | ${a} |`);
      expect(RISK_DOC).toContain(`| \`mission.byData.${data}\` | ${b} |`);
    },
  );

  it("feeds CISA's table and maps the decision to a priority", () => {
    const result = scoreFinding({
      subject: subject({ severity: "medium", category: "dast" }),
      app: payments,
      intel: undefined,
      now: new Date("2026-09-02T00:00:00Z"),
    });
    expect(result.ssvc).toEqual({
      exploitation: "none",
      automatable: "yes",
      technicalImpact: "partial",
      mission: "high",
    });
    expect(result.decision).toBe(decide("none", "yes", "partial", "high"));
    expect(result.priority).toBe(PRIORITY_FOR_DECISION[result.decision]);
    expect(result.priority).toBe("P2");
  });
});

describe("inputs", () => {
  const now = new Date("2026-09-02T00:00:00Z");

  it("re-scores the vector and prefers it to the reported score", () => {
    expect(
      effectiveCvss({
        cvss: { version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 5 },
      }),
    ).toEqual({
      version: "3.1",
      score: 9.8,
    });
  });

  it("falls back to the reported score when the vector does not parse, then to the severity", () => {
    expect(effectiveCvss({ cvss: { version: "3.1", vector: "junk", score: 6.1 } })).toEqual({
      version: "3.1",
      score: 6.1,
    });
    expect(effectiveCvss({ cvss: { version: "3.1", vector: "junk" } })).toBeUndefined();
    const result = scoreFinding({
      subject: subject({ severity: "high", cvss: { version: "3.1", vector: "junk" } }),
      app: wiki,
      intel: undefined,
      now,
    });
    expect(result.factors[0]).toEqual({ name: "Severity", value: "high", effect: 30 });
  });

  it("counts a tool's exploit claim only when KEV does not already", () => {
    const s = subject({ exploit: "poc" });
    expect(scoreFinding({ subject: s, app: wiki, intel: undefined, now }).factors).toContainEqual({
      name: "Exploit",
      value: "poc (tool)",
      effect: 10,
    });
    expect(
      scoreFinding({ subject: s, app: wiki, intel: { kev: kev("2030-01-01") }, now }).factors,
    ).toContainEqual({
      name: "Exploit",
      value: "poc (tool), counted in KEV",
      effect: 0,
    });
  });

  it("adds the ransomware bonus and caps controls at their floor", () => {
    const app = classifyApp("x", { ...payments, controls: ["waf", "rasp", "mtls"] });
    const result = scoreFinding({ subject: subject({}), app, intel: { kev: kev("2030-01-01", true) }, now });
    expect(result.factors).toContainEqual({
      name: "KEV ransomware",
      value: "known ransomware campaign use",
      effect: 5,
    });
    expect(result.factors).toContainEqual({ name: "Controls", value: "waf, rasp, mtls", effect: -10 });
  });

  it("counts age in full steps, capped", () => {
    const ageOf = (firstSeenAt: string) =>
      scoreFinding({ subject: subject({ firstSeenAt }), app: wiki, intel: undefined, now }).factors.find(
        (f) => f.name === "Age",
      );
    expect(ageOf("2026-08-04T00:00:00Z")).toEqual({ name: "Age", value: "29 days", effect: 0 });
    expect(ageOf("2026-08-03T00:00:00Z")).toEqual({ name: "Age", value: "30 days", effect: 1 });
    expect(ageOf("2020-01-01T00:00:00Z")?.effect).toBe(10);
    expect(ageOf("2026-09-03T00:00:00Z")).toEqual({ name: "Age", value: "0 days", effect: 0 });
  });

  it("RiskSubject validates what the caller maps", () => {
    expect(
      RiskSubject.safeParse({
        severity: "urgent",
        category: "sca",
        cwes: [],
        vulnerabilityIds: [],
        firstSeenAt: "x",
      }).success,
    ).toBe(false);
  });
});
