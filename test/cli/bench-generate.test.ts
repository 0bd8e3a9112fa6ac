import { describe, expect, it } from "vitest";
import { FAMILIES, parseJsonLines } from "#cli/bench/families";
import { joined } from "#cli/bench/generate";
import { parseReport } from "#shared/parsers/registry";

/**
 * The bench's synthetic reports: each family's report is read as its format, every record of it
 * becomes a finding (so the normalize and memory figures are about real work), and the XML
 * family's JSON twin holds the same records.
 */

const KB = 1024;
const ctx = { secretSalt: "test" };

function records(value: unknown, key: string): unknown[] {
  if (typeof value !== "object" || value === null || !(key in value)) return [];
  const list: unknown = Reflect.get(value, key);
  return Array.isArray(list) ? list : [];
}

describe("bench report families", () => {
  it("CycloneDX: one finding per vulnerability × affected component", () => {
    const text = joined(FAMILIES.cyclonedx.generate(300 * KB).report);
    const bom: unknown = JSON.parse(text);
    const affects = records(bom, "vulnerabilities").reduce<number>(
      (n, v) => n + records(v, "affects").length,
      0,
    );
    expect(records(bom, "components").length).toBeGreaterThan(50);
    const report = parseReport(Buffer.from(text), ctx);
    expect(report.format).toBe("cyclonedx-json");
    expect(report.count).toBe(affects);
    expect(text.length).toBeGreaterThan(250 * KB);
    expect(text.length).toBeLessThan(400 * KB);
  });

  it("Nuclei: JSON Lines, one finding per line", () => {
    const text = joined(FAMILIES.nuclei.generate(300 * KB).report);
    const report = parseReport(Buffer.from(text), ctx);
    expect(report.format).toBe("nuclei-json");
    expect(report.count).toBe(parseJsonLines(text).length);
  });

  it("Dependency-Check: the XML and its JSON twin give the same findings", () => {
    const generated = FAMILIES.dependencyCheck.generate(300 * KB);
    const xml = joined(generated.report);
    const json = joined(generated.twin?.() ?? []);
    const fromXml = parseReport(Buffer.from(xml), ctx);
    const fromJson = parseReport(Buffer.from(json), ctx);
    expect(fromXml.format).toBe("dependency-check-xml");
    expect(fromJson.format).toBe("dependency-check-json");
    const vulnerabilities = records(JSON.parse(json), "dependencies").reduce<number>(
      (n, d) => n + records(d, "vulnerabilities").length,
      0,
    );
    expect(fromXml.count).toBe(vulnerabilities);
    expect(fromJson.findings.map((f) => f.title)).toEqual(fromXml.findings.map((f) => f.title));
  });

  it("SARIF and Trivy read as their formats", () => {
    expect(parseReport(Buffer.from(joined(FAMILIES.sarif.generate(100 * KB).report)), ctx).format).toBe(
      "sarif",
    );
    expect(parseReport(Buffer.from(joined(FAMILIES.trivy.generate(100 * KB).report)), ctx).format).toBe(
      "trivy-json",
    );
  });
});

describe("bench ingest data", () => {
  it("is owned by ten teams through the staged CODEOWNERS, a tenth each, so the team index spread means something", async () => {
    const [{ parseCodeOwners, matchCodeOwners }, { BENCH_CODEOWNERS }, { sarifResults }] = await Promise.all([
      import("#shared/domain/codeowners"),
      import("#cli/bench/stage"),
      import("#cli/bench/generate"),
    ]);
    const codeowners = parseCodeOwners(BENCH_CODEOWNERS);
    expect(codeowners.errors).toEqual([]);
    const perTeam = new Map<string, number>();
    for (const finding of sarifResults(2_000)) {
      const owners = matchCodeOwners(codeowners, finding.location.file ?? "")?.owners ?? ["none"];
      for (const owner of owners) perTeam.set(owner, (perTeam.get(owner) ?? 0) + 1);
    }
    expect(perTeam.size).toBe(10);
    expect(perTeam.has("none")).toBe(false);
    expect(Math.max(...perTeam.values())).toBe(200);
  });
});
