import { describe, expect, it } from "vitest";
import { FAMILIES } from "#cli/bench/families";
import { dependencyCheckXmlPieces, joined, sarifReport, trivyReport } from "#cli/bench/generate";
import { type Component, componentId } from "#shared/domain/component";
import type { NormalizedFinding } from "#shared/domain/finding";
import { InventoryBuilder } from "#shared/domain/inventory";
import { ParseError } from "#shared/parsers/parse-error";
import { parseReport, parseReportTo } from "#shared/parsers/registry";

/**
 * parseReportTo hands each finding to a sink as it is made: the parsers of big reports (SARIF,
 * Trivy, CycloneDX, Nuclei, Dependency-Check) never hold them all. What the sink gets must be exactly what
 * parseReport returns, in order, whatever the size (big reports are read lazily).
 */

const ctx = { secretSalt: "stream" };
const MB = 1024 * 1024;

function streamed(bytes: Buffer, formatId?: string) {
  const findings: NormalizedFinding[] = [];
  const summary = parseReportTo(bytes, ctx, (f) => findings.push(f), formatId);
  return { summary, findings };
}

describe("parseReportTo", () => {
  const reports: Array<[string, Buffer]> = [
    ["sarif, small", Buffer.from(sarifReport(0, 3, 40))],
    ["sarif, lazy (past 8 MiB)", Buffer.from(sarifReport(9 * MB, 3))],
    ["trivy, lazy", Buffer.from(trivyReport(9 * MB, 4))],
    ["dependency-check xml", Buffer.from(joined(dependencyCheckXmlPieces(600 * 1024, 5, { count: 0 })))],
    ["cyclonedx, lazy", Buffer.from(joined(FAMILIES.cyclonedx.generate(9 * MB).report))],
    ["nuclei json lines, lazy", Buffer.from(joined(FAMILIES.nuclei.generate(9 * MB).report))],
  ];

  it.each(reports)("%s: the sink gets parseReport's findings, in order, and the count", (_name, bytes) => {
    const whole = parseReport(bytes, ctx);
    const { summary, findings } = streamed(bytes);
    expect(whole.count).toBeGreaterThan(10);
    expect(summary.count).toBe(whole.count);
    expect(findings).toEqual(whole.findings);
    const { findings: _all, ...rest } = whole;
    expect(summary).toEqual(rest);
  });

  it("passes on the findings of a parser that keeps them in an array, too", () => {
    const bytes = Buffer.from(JSON.stringify({ results: [], errors: [], version: "1.50.0" }));
    expect(streamed(bytes, "semgrep-json").summary.count).toBe(0);
    const gitleaks = Buffer.from(
      JSON.stringify([
        {
          RuleID: "aws-access-token",
          File: "a.env",
          StartLine: 1,
          Secret: "AKIAXXXXXXXXXXXXXXXX",
          Match: "k",
        },
      ]),
    );
    const { summary, findings } = streamed(gitleaks, "gitleaks-json");
    expect(summary.count).toBe(1);
    expect(findings).toEqual(parseReport(gitleaks, ctx, "gitleaks-json").findings);
  });

  it("rethrows what the sink throws as it is, not as a parse error of the report", () => {
    const bytes = reports[0]?.[1] ?? Buffer.alloc(0);
    class Full extends Error {}
    let seen = 0;
    const run = () =>
      parseReportTo(bytes, ctx, () => {
        if (++seen === 5) throw new Full("out of room");
      });
    expect(run).toThrow(Full);
    expect(seen).toBe(5);
    expect(run).not.toThrow(ParseError);
  });

  it("still refuses the finding past the cap while streaming", () => {
    // XML: no array the input bounds count, so the cap is met as findings are made
    const bytes = reports[3]?.[1] ?? Buffer.alloc(0);
    let seen = 0;
    expect(() => parseReportTo(bytes, { ...ctx, limits: { maxFindings: 7 } }, () => seen++)).toThrow(
      /above the findings cap/,
    );
    expect(seen).toBe(7);
  });
});

describe("InventoryBuilder", () => {
  it("gathers the SCA packages as findings come, after the report's own components", () => {
    const bytes = trivySmall();
    const report = parseReport(bytes, ctx);
    const builder = new InventoryBuilder();
    for (const f of report.findings) builder.addFinding(f);
    const listed = [{ name: "listed", purl: "pkg:npm/listed@1.0.0", version: "1.0.0" }];
    const built = builder.components(listed);
    // the report's components, then each SCA or container package once, in the order first seen
    const expected = new Map<string, Component>(listed.map((c) => [componentId(c), c]));
    for (const f of report.findings) {
      const p = f.package;
      if (!p || (f.category !== "sca" && f.category !== "container")) continue;
      const c = {
        name: p.name,
        ...(p.purl ? { purl: p.purl } : {}),
        ...(p.ecosystem ? { ecosystem: p.ecosystem } : {}),
        ...(p.version ? { version: p.version } : {}),
      };
      if (!expected.has(componentId(c))) expected.set(componentId(c), c);
    }
    expect(built).toEqual([...expected.values()]);
    expect(built[0]).toEqual(listed[0]);
    expect(built.length).toBeGreaterThan(10);
  });
});

function trivySmall(): Buffer {
  return Buffer.from(trivyReport(200 * 1024, 6));
}
