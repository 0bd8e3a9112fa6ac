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
