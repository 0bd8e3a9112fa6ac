import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_APP_CONTEXT } from "#shared/domain/app-context";
import type { ProviderView } from "#shared/domain/tracked-finding";
import { bundledKev } from "#shared/intel/bundled";
import { appContextOf, riskSubjectOf, scoreView } from "#shared/usecases/scoring";
import { REPO_ROOT } from "#test/support/corpus";

const NOW = new Date("2026-09-02T00:00:00Z");
const FIRST_SEEN = "2026-09-01T00:00:00Z";

function view(over: Partial<ProviderView>): ProviderView {
  return {
    category: "sast",
    title: "t",
    severity: "high",
    rule: { id: "r" },
    cwes: [],
    location: { file: "src/app.js" },
    references: [],
    ...over,
  };
}

describe("an app nobody classified", () => {
  const context = appContextOf("uploaded-by-ci", undefined);

  it("gets the documented default context, flagged unclassified", () => {
    expect(context).toMatchObject({ ...DEFAULT_APP_CONTEXT, unclassified: true });
    expect(context.defaulted).toEqual(["criticality", "exposure", "data", "environment"]);
    const doc = readFileSync(resolve(REPO_ROOT, "docs/RISK.md"), "utf8").replace(/ {2,}/g, " ");
    for (const field of ["criticality", "exposure", "data", "environment"] as const)
      expect(doc).toMatch(new RegExp(`^\\| ${field} \\|[^\\n]*\\| ${DEFAULT_APP_CONTEXT[field]} \\|$`, "m"));
  });

  it("scores a leaked live credential P1, an unverified one P3, and a KEV CVE P2 with the bundled snapshot", () => {
    const kev = { kev: bundledKev() };
    const secret = (verified?: boolean) =>
      view({
        category: "secret",
        secret: {
          hash: "a".repeat(64),
          preview: "AKIA…(20)",
          ...(verified === undefined ? {} : { verified }),
        },
      });
    const score = (v: ProviderView) => scoreView(v, FIRST_SEEN, context, kev, undefined, NOW);
    expect(score(secret(true)).priority).toBe("P1");
    expect(score(secret(false)).priority).toBe("P3");
    expect(score(secret()).priority).toBe("P3");
    // Struts CVE-2017-5638, reported by an SCA tool without a CVSS vector
    const struts = view({
      category: "sca",
      vulnerability: { id: "SNYK-JAVA-ORGAPACHESTRUTS-30207", aliases: ["CVE-2017-5638"] },
    });
    expect(score(struts)).toMatchObject({ priority: "P2", decision: "Attend" });
    // without intel the same finding is the table's Track: what `aspm dev` used to show
    expect(scoreView(struts, FIRST_SEEN, context, undefined, undefined, NOW).priority).toBe("P4");
  });

  it("passes the secret's verification to the risk subject, never its hash or preview", () => {
    const subject = riskSubjectOf(
      view({ category: "secret", secret: { hash: "b".repeat(64), preview: "ghp_…(40)", verified: true } }),
      FIRST_SEEN,
    );
    expect(subject.secret).toEqual({ verified: true });
  });
});
