import { describe, expect, it } from "vitest";
import { NormalizedFinding } from "#shared/domain/finding";
import { dependencyCheckJson, dependencyCheckXml } from "#shared/parsers/dependency-check";
import { decodeReport, type ReportDocument, readDocument } from "#shared/parsers/document";
import { ParseError } from "#shared/parsers/parse-error";
import { readFixture } from "#test/support/corpus";

const ctx = { secretSalt: "test" };

function load(path: string): ReportDocument {
  return readDocument(decodeReport(readFixture(`parsers/${path}`)));
}

function parseJson(name: string) {
  return dependencyCheckJson.parse(load(`dependency-check-json/${name}`), ctx);
}

function parseXml(name: string) {
  return dependencyCheckXml.parse(load(`dependency-check-xml/${name}`), ctx);
}

describe("dependency-check-json", () => {
  it("detects the JSON report and nothing else", () => {
    expect(dependencyCheckJson.detect(load("dependency-check-json/report.json"))).toBe(true);
    expect(dependencyCheckJson.detect(load("dependency-check-json/empty.json"))).toBe(true);
    expect(dependencyCheckXml.detect(load("dependency-check-json/report.json"))).toBe(false);
    expect(dependencyCheckJson.detect({ syntax: "json", value: { dependencies: [] } })).toBe(false);
    expect(dependencyCheckJson.detect(load("dependency-check-xml/report.xml"))).toBe(false);
  });

  it("emits one finding per dependency x vulnerability, suppressed ones kept", () => {
    const { tool, findings } = parseJson("report.json");
    expect(tool).toEqual({ name: "OWASP Dependency-Check", version: "12.1.0" });
    expect(findings.map((f) => f.rule.id)).toEqual([
      "CVE-2022-42889",
      "CVE-2024-00001",
      "CVE-2021-99999",
      "CVE-2023-29401",
      "CVE-2020-8203",
      "CVE-2019-12345",
    ]);
    for (const f of findings) expect(NormalizedFinding.safeParse(f).success).toBe(true);
  });

  it("maps an NVD vulnerability: severity, CVSS v3.1 rebuilt from components, package, KEV, fix", () => {
    const [text4shell] = parseJson("report.json").findings;
    expect(text4shell).toMatchObject({
      category: "sca",
      title: "CVE-2022-42889 in org.apache.commons:commons-text@1.9",
      severity: "critical",
      rawSeverity: "CRITICAL",
      // NVD matches go through the CPE: its HIGHEST confidence
      confidence: "high",
      cvss: { version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 9.8 },
      vulnerability: { id: "CVE-2022-42889", aliases: [] },
      cwes: ["CWE-94"],
      package: {
        purl: "pkg:maven/org.apache.commons/commons-text@1.9",
        ecosystem: "maven",
        name: "org.apache.commons:commons-text",
        version: "1.9",
        // only the matched CPE's end bound is the fix
        fixedVersions: ["1.10.0"],
      },
      // Windows path: forward slashes, no drive letter
      location: { file: "/build/shop/target/lib/commons-text-1.9.jar" },
      exploit: "active",
      tags: ["NVD", "cisa-kev"],
      references: ["https://lists.apache.org/thread/example", "https://security.netapp.com/advisory/example"],
    });
    expect(text4shell?.suppressed).toBeUndefined();
  });

  it("prefers a CVSS v4 vector when the report has one", () => {
    const f = parseJson("report.json").findings[1];
    expect(f?.cvss).toEqual({
      version: "4.0",
      vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N",
      score: 8.7,
    });
    expect(f?.severity).toBe("high");
  });

  it("marks suppressed vulnerabilities with the suppression notes", () => {
    const f = parseJson("report.json").findings[2];
    expect(f?.suppressed).toEqual({
      kind: "suppression-file",
      justification: "CPE matches a different product; reviewed 2025-02",
    });
    expect(f?.severity).toBe("medium");
  });

  it("reads virtual (manifest) dependencies and OSS Index letter metrics without a version", () => {
    const f = parseJson("report.json").findings[3];
    expect(f).toMatchObject({
      severity: "medium",
      confidence: "high",
      package: {
        purl: "pkg:golang/github.com/gin-gonic/gin@1.7.0",
        name: "github.com/gin-gonic/gin",
        version: "1.7.0",
        manifest: "go.mod",
      },
      // the CI checkout prefix is stripped and the coordinates after the manifest dropped
      location: { file: "go.mod" },
      tags: ["OSSINDEX"],
    });
    // the minor version is not stated: score kept, no vector invented
    expect(f?.cvss).toEqual({ version: "3.0", score: 4.3 });
  });

  it("keeps unscored RetireJS severities and falls back to the file name without a package", () => {
    const [, , , , retire, noPackage] = parseJson("report.json").findings;
    expect(retire).toMatchObject({
      severity: "medium",
      rawSeverity: "medium (unscored)",
      confidence: "high",
    });
    expect(retire?.cvss).toBeUndefined();
    expect(retire?.description).toBeUndefined();
    expect(noPackage).toMatchObject({
      title: "CVE-2019-12345 in legacy-tool.exe",
      severity: "medium",
      // 6.x/7.x spelling `confidentialImpact` still builds the v2 vector
      cvss: { version: "2.0", vector: "AV:N/AC:L/Au:N/C:N/I:N/A:P", score: 5 },
      package: { name: "legacy-tool.exe", fixedVersions: [] },
      location: { file: "bin/legacy-tool.exe" },
    });
    expect(noPackage?.package?.purl).toBeUndefined();
    expect(noPackage?.confidence).toBeUndefined();
  });

  it("builds a v2 vector from either spelling of a metric, and none when a metric is odd", () => {
    const cvssv2 = (extra: Record<string, string>) => ({
      score: 6.8,
      accessVector: "NETWORK",
      accessComplexity: "MEDIUM",
      integrityImpact: "PARTIAL",
      availabilityImpact: "PARTIAL",
      ...extra,
    });
    const report = {
      reportSchema: "1.1",
      scanInfo: { engineVersion: "8.4.0" },
      dependencies: [
        {
          fileName: "a.jar",
          filePath: "/src/lib/a.jar",
          vulnerabilities: [
            // `authentication` (not 6.x's `authenticationr`) and `confidentialityImpact`
            {
              source: "NVD",
              name: "CVE-2020-1",
              cvssv2: cvssv2({ authentication: "NONE", confidentialityImpact: "PARTIAL" }),
            },
            // `authenticationr` wins over `authentication` when both are there
            {
              source: "NVD",
              name: "CVE-2020-2",
              cvssv2: cvssv2({
                authenticationr: "SINGLE",
                authentication: "NONE",
                confidentialImpact: "COMPLETE",
              }),
            },
            // a letter v2 does not allow for Au: the score stays, no vector is made up
            {
              source: "NVD",
              name: "CVE-2020-3",
              cvssv2: cvssv2({ authentication: "HIGH", confidentialImpact: "NONE" }),
            },
          ],
        },
      ],
    };
    const doc = readDocument(JSON.stringify(report));
    const cvss = dependencyCheckJson.parse(doc, ctx).findings.map((f) => f.cvss);
    expect(cvss).toEqual([
      { version: "2.0", vector: "AV:N/AC:M/Au:N/C:P/I:P/A:P", score: 6.8 },
      { version: "2.0", vector: "AV:N/AC:M/Au:S/C:C/I:P/A:P", score: 6.8 },
      { version: "2.0", score: 6.8 },
    ]);
  });

  it("parses an empty report to no findings", () => {
    expect(parseJson("empty.json")).toEqual({
      tool: { name: "OWASP Dependency-Check", version: "9.0.9" },
      findings: [],
    });
  });

  it("fails a malformed vulnerability with a ParseError naming the format and the record", () => {
    expect(() => parseJson("malformed.json")).toThrow(ParseError);
    expect(() => parseJson("malformed.json")).toThrow(
      /dependency-check-json: .*\(at dependencies\[1\]\.vulnerabilities\[1\]\.name\)/,
    );
  });
});

describe("dependency-check-xml", () => {
  it("detects the XML report by its namespace", () => {
    expect(dependencyCheckXml.detect(load("dependency-check-xml/report.xml"))).toBe(true);
    expect(dependencyCheckXml.detect(load("dependency-check-xml/schema-2.0.xml"))).toBe(true);
    expect(
      dependencyCheckXml.detect({
        syntax: "xml",
        root: "analysis",
        head: "<analysis>",
        bytes: Buffer.from(""),
      }),
    ).toBe(false);
  });

  it("maps the XML report like the JSON one", () => {
    const { tool, findings } = parseXml("report.xml");
    expect(tool).toEqual({ name: "OWASP Dependency-Check", version: "12.1.0" });
    expect(findings).toHaveLength(4);
    for (const f of findings) expect(NormalizedFinding.safeParse(f).success).toBe(true);
    const [jackson, kev, suppressed, npm] = findings;
    expect(jackson).toMatchObject({
      title: "CVE-2019-12384 in com.fasterxml.jackson.core:jackson-databind@2.9.8",
      severity: "medium",
      confidence: "medium",
      cvss: { version: "3.1", vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", score: 5.9 },
      cwes: ["CWE-502"],
      package: {
        purl: "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.8",
        version: "2.9.8",
        fixedVersions: ["2.9.9.1"],
      },
      location: { file: "/build/shop/lib/jackson-databind-2.9.8.jar" },
      references: ["https://github.com/FasterXML/jackson-databind/issues/2334"],
    });
    expect(kev).toMatchObject({
      severity: "high",
      exploit: "active",
      cvss: { version: "4.0", score: 8.7 },
    });
    expect(suppressed).toMatchObject({
      severity: "low",
      suppressed: { kind: "suppression-file", justification: "Suppressed by the platform team" },
    });
    expect(npm).toMatchObject({
      rule: { id: "GHSA-aaaa-bbbb-cccc" },
      severity: "medium",
      rawSeverity: "moderate (unscored)",
      package: { purl: "pkg:npm/left-pad@1.1.1", manifest: "package-lock.json", fixedVersions: ["1.3.0"] },
      location: { file: "package-lock.json" },
      tags: ["NPM"],
    });
  });

  it("reads the 2.0 schema: no severity element, CVSS severities and old field names", () => {
    const [f] = parseXml("schema-2.0.xml").findings;
    expect(f).toMatchObject({
      severity: "critical",
      rawSeverity: "CRITICAL",
      // v3 without a stated version: score only
      cvss: { version: "3.0", score: 10 },
      cwes: ["CWE-20"],
      location: { file: "WEB-INF/lib/struts2-core-2.3.20.jar" },
    });
  });

  it("parses an empty report to no findings", () => {
    expect(parseXml("empty.xml").findings).toEqual([]);
  });

  it("fails a non-numeric score with a ParseError naming the format and the record", () => {
    expect(() => parseXml("malformed.xml")).toThrow(
      /dependency-check-xml: .*\(at dependencies\[0\]\.vulnerabilities\[0\]\.cvssv3\.baseScore\)/,
    );
  });
});
