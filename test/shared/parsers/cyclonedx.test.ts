import { describe, expect, it } from "vitest";
import { NormalizedFinding } from "#shared/domain/finding";
import { cyclonedxJson, cyclonedxXml } from "#shared/parsers/cyclonedx";
import { decodeReport, type ReportDocument, readDocument } from "#shared/parsers/document";
import { withFindingCap } from "#shared/parsers/finding-builder";
import { hasLazy, materialize } from "#shared/parsers/lazy-json";
import { ParseError } from "#shared/parsers/parse-error";
import { parseReport } from "#shared/parsers/registry";
import { readFixture } from "#test/support/corpus";

const ctx = { secretSalt: "test" };

function load(path: string): ReportDocument {
  return readDocument(decodeReport(readFixture(`parsers/${path}`)));
}

function parseJson(name: string) {
  return cyclonedxJson.parse(load(`cyclonedx-json/${name}`), ctx);
}

function parseXml(name: string) {
  return cyclonedxXml.parse(load(`cyclonedx-xml/${name}`), ctx);
}

describe("cyclonedx-json", () => {
  it("detects a CycloneDX BOM by bomFormat, with or without vulnerabilities", () => {
    expect(cyclonedxJson.detect(load("cyclonedx-json/vex-1.5.json"))).toBe(true);
    expect(cyclonedxJson.detect(load("cyclonedx-json/sbom-1.4.json"))).toBe(true);
    expect(cyclonedxJson.detect({ syntax: "json", value: { specVersion: "1.5", components: [] } })).toBe(
      false,
    );
    expect(cyclonedxJson.detect({ syntax: "json", value: { spdxVersion: "SPDX-2.3" } })).toBe(false);
    expect(cyclonedxXml.detect(load("cyclonedx-json/vex-1.5.json"))).toBe(false);
  });

  it("emits one finding per vulnerability x affected component", () => {
    const { tool, findings } = parseJson("vex-1.5.json");
    // cdxgen made the SBOM; dep-scan, listed after it, added the vulnerabilities
    expect(tool).toEqual({ name: "owasp-depscan", version: "5.2.0" });
    expect(findings.map((f) => `${f.rule.id} ${f.package?.name ?? f.location.resource}`)).toEqual([
      "CVE-2023-45133 @babel/traverse",
      // two components (one through a BOM-Link), the repeated reference counted once
      "CVE-2016-1000027 org.springframework:spring-web",
      "CVE-2016-1000027 org.springframework:spring-webmvc",
      "PYSEC-2023-74 requests",
      // a purl reference outside the BOM still names the package; an opaque one is kept as the resource
      "OSV-2024-0001 github.com/foo/bar",
      "OSV-2024-0001 ghost-ref",
      // no affects: the vulnerability is about the BOM's subject
      "CVE-2024-99999 shop",
    ]);
    for (const f of findings) expect(NormalizedFinding.safeParse(f).success).toBe(true);
  });

  it("maps ratings, aliases, CWEs, package, evidence path, fix and VEX", () => {
    const [babel] = parseJson("vex-1.5.json").findings;
    expect(babel).toMatchObject({
      category: "sca",
      title: "CVE-2023-45133 in @babel/traverse@7.22.0",
      description: "Arbitrary code execution when compiling specifically crafted malicious code.",
      // the first rating's word; the CVSS is the newest method's
      severity: "high",
      rawSeverity: "NVD:CVSSv31 8.8 high, GitHub:CVSSv4 9.3 critical, NVD:CVSSv2 6.8 medium",
      cvss: {
        version: "4.0",
        vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        score: 9.3,
      },
      vulnerability: { id: "CVE-2023-45133", aliases: ["GHSA-67hx-6x53-jw92"] },
      cwes: ["CWE-184", "CWE-697"],
      package: {
        purl: "pkg:npm/%40babel/traverse@7.22.0",
        ecosystem: "npm",
        name: "@babel/traverse",
        version: "7.22.0",
        fixedVersions: ["7.23.2"],
      },
      // Windows separators from the evidence normalized
      location: { file: "web/node_modules/@babel/traverse/package.json" },
      vex: { state: "exploitable", detail: "Reachable from the build pipeline" },
      toolId: "CVE-2023-45133/pkg:npm/%40babel/traverse@7.22.0",
      remediation: "Update to 7.23.2 or later",
      tags: ["NVD", "vex-response:update"],
    });
    expect(babel?.suppressed).toBeUndefined();
  });

  it("marks not_affected, resolved and false_positive as suppressed and reads KEV ratings", () => {
    const [, web, webmvc, requests, goPkg, ghost, subject] = parseJson("vex-1.5.json").findings;
    expect(web).toMatchObject({
      severity: "critical",
      cvss: { version: "3.0", score: 9.8 },
      description: "Deserialization of untrusted data in Spring HTTP invoker.",
      exploit: "active",
      vex: {
        state: "not_affected",
        justification: "code_not_reachable",
        detail: "HttpInvokerServiceExporter is not used",
      },
      suppressed: { kind: "vex", justification: "not_affected: code_not_reachable" },
      tags: ["NVD", "vex-response:will_not_fix"],
    });
    expect(webmvc?.package?.purl).toBe("pkg:maven/org.springframework/spring-webmvc@5.3.20?type=jar");
    expect(requests).toMatchObject({
      // `unknown` says nothing: the next stated word wins
      severity: "medium",
      vulnerability: { id: "PYSEC-2023-74", aliases: ["CVE-2023-32681", "GHSA-j8r2-6x86-q33q"] },
      vex: { state: "resolved", detail: "Patched in our fork" },
      suppressed: { kind: "vex", justification: "resolved_with_pedigree" },
    });
    expect(goPkg).toMatchObject({
      severity: "info",
      package: { purl: "pkg:golang/github.com/foo/bar@v1.2.3", version: "v1.2.3" },
      vex: { state: "false_positive" },
      suppressed: { kind: "vex", justification: "false_positive" },
    });
    expect(ghost?.package).toBeUndefined();
    expect(ghost?.location).toEqual({ resource: "ghost-ref" });
    expect(subject).toMatchObject({
      // no word: the CVSS score band
      severity: "medium",
      package: { purl: "pkg:npm/shop@2.0.0", name: "shop", version: "2.0.0" },
      vex: { state: "in_triage" },
    });
    expect(subject?.suppressed).toBeUndefined();
  });

  it("files OS packages of a container BOM under container, language packages under sca, both with the image", () => {
    const { tool, findings } = parseJson("container-1.6.json");
    expect(tool).toEqual({ name: "trivy", version: "0.59.1" });
    const [openssl, express] = findings;
    expect(openssl).toMatchObject({
      category: "container",
      // Trivy lists its severity source first: debian says low where NVD says medium
      severity: "low",
      cvss: { version: "3.1", score: 5.5 },
      package: {
        purl: "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
        ecosystem: "deb",
        name: "openssl",
        version: "3.0.11-1~deb12u2",
      },
      location: { image: "registry.example.com/web:1.4.2" },
      remediation: "Upgrade openssl to version 3.0.13-1~deb12u1",
    });
    // the data source URL goes last, after the vulnerability's own pages
    expect(openssl?.references).toEqual(["https://salsa.debian.org/security-tracker-team/security-tracker"]);
    expect(express).toMatchObject({ category: "sca", severity: "medium", package: { ecosystem: "npm" } });
    expect(express?.location).toEqual({ image: "registry.example.com/web:1.4.2" });
  });

  it("parses a BOM without vulnerabilities (1.4 tools array) to no findings", () => {
    expect(parseJson("sbom-1.4.json")).toEqual({
      tool: { name: "cyclonedx-python-lib", version: "4.0.0" },
      findings: [],
      // an SBOM still feeds the inventory
      components: [{ name: "flask", purl: "pkg:pypi/flask@2.0.0", ecosystem: "pypi", version: "2.0.0" }],
    });
  });

  it("fails a malformed rating with a ParseError naming the format and the record", () => {
    expect(() => parseJson("malformed.json")).toThrow(ParseError);
    expect(() => parseJson("malformed.json")).toThrow(
      /cyclonedx-json: .*\(at vulnerabilities\[1\]\.ratings\[0\]\.score\)/,
    );
  });
});

/** A Trivy-style image BOM of `n` components, each with a vulnerability; past 8 MiB it is read lazily. */
function bigBom(
  n: number,
  edit: (bom: { components: unknown[]; vulnerabilities: unknown[] }) => void = () => {},
) {
  const components = Array.from({ length: n }, (_, i) => ({
    "bom-ref": `ref-${i}`,
    type: "library",
    name: i % 3 === 0 ? `lib${i}` : `pkg-${i}`,
    version: `1.${i % 7}.0`,
    purl:
      i % 3 === 0
        ? `pkg:deb/debian/lib${i}@1.${i % 7}.0?arch=amd64`
        : `pkg:npm/%40acme/pkg-${i}@1.${i % 7}.0`,
    licenses: [{ license: { name: "MIT" } }],
    properties: [{ name: "aquasecurity:trivy:PkgType", value: i % 3 === 0 ? "debian" : "node-pkg" }],
    ...(i % 3 === 0
      ? {}
      : { evidence: { occurrences: [{ location: `app/node_modules/pkg-${i}/package.json` }] } }),
  }));
  const vulnerabilities = components.map((c, i) => ({
    "bom-ref": `CVE-2024-${i}#x`,
    id: `CVE-2024-${i}`,
    source: { name: "nvd", url: "https://nvd.nist.gov" },
    ratings: [
      { source: { name: "nvd" }, score: 7.5, severity: "high", method: "CVSSv31", vector: "CVSS:3.1/AV:N" },
    ],
    cwes: [79],
    description: `A flaw in ${c.name}. ${"d".repeat(200)}`,
    advisories: [{ url: `https://avd.aquasec.com/nvd/cve-2024-${i}` }],
    affects: [{ ref: c["bom-ref"], versions: [{ version: c.version, status: "affected" }] }],
  }));
  const bom = { components: components as unknown[], vulnerabilities: vulnerabilities as unknown[] };
  edit(bom);
  return JSON.stringify({
    bomFormat: "CycloneDX",
    specVersion: "1.5",
    metadata: {
      tools: { components: [{ name: "trivy", version: "0.57.1" }] },
      component: { "bom-ref": "img", type: "container", name: "registry.example.com/shop", version: "1.0" },
    },
    ...bom,
  });
}

describe("cyclonedx-json, big BOMs read lazily", () => {
  const n = 16_000;

  it("gives the findings and inventory of the same BOM read whole", () => {
    const text = bigBom(n);
    expect(text.length).toBeGreaterThan(8 * 1024 * 1024);
    const doc = readDocument(text);
    expect(doc.syntax === "json" && hasLazy(doc.value)).toBe(true);
    const lazy = parseReport(Buffer.from(text), ctx);
    const whole = withFindingCap(Number.POSITIVE_INFINITY, () =>
      cyclonedxJson.parse(
        doc.syntax === "json" ? { syntax: "json", value: materialize(doc.value) } : doc,
        ctx,
      ),
    );
    expect(lazy.count).toBe(n);
    expect(lazy.findings).toEqual(whole.findings);
    expect(lazy.components).toEqual(whole.components);
    expect(lazy.findings[4]).toMatchObject({
      category: "sca",
      package: { name: "@acme/pkg-4", ecosystem: "npm" },
      location: { file: "app/node_modules/pkg-4/package.json", image: "registry.example.com/shop:1.0" },
    });
    expect(lazy.findings[3]).toMatchObject({
      category: "container",
      package: { name: "lib3", ecosystem: "deb" },
    });
  });

  it("fails a bad vulnerability or a bad referenced component with its path", () => {
    const badScore = bigBom(n, (bom) => {
      bom.vulnerabilities[12_345] = { id: "CVE-1", ratings: [{ score: "high" }] };
    });
    expect(() => parseReport(Buffer.from(badScore), ctx)).toThrow(
      /cyclonedx-json: .*\(at vulnerabilities\[12345\]\.ratings\[0\]\.score\)/,
    );
    const badName = bigBom(n, (bom) => {
      bom.components[9_000] = { "bom-ref": "ref-9000", name: 42 };
    });
    expect(() => parseReport(Buffer.from(badName), ctx)).toThrow(
      /cyclonedx-json: .*\(at components\[9000\]\.name\)/,
    );
  });

  it("parses a big list nested in one component whole, as a plain BOM's", () => {
    const text = bigBom(n, (bom) => {
      // one component holds all the others: its nested list is the big one
      bom.components = [{ "bom-ref": "app", name: "app", components: bom.components }];
    });
    expect(text.length).toBeGreaterThan(8 * 1024 * 1024);
    const report = parseReport(Buffer.from(text), ctx);
    expect(report.count).toBe(n);
    expect(report.components).toHaveLength(n + 1);
    // the walk's order: a component, then its nested ones from last to first
    expect(report.components?.slice(0, 2).map((c) => c.name)).toEqual(["app", `lib${n - 1}`]);
  });
});

describe("cyclonedx-json components", () => {
  it("indexes nested components; of two with one bom-ref, the later top-level one wins", () => {
    const bom = {
      bomFormat: "CycloneDX",
      components: [
        { "bom-ref": "dup", name: "first", version: "1" },
        { name: "parent", components: [{ "bom-ref": "inner", name: "child", version: "2" }] },
        { "bom-ref": "dup", name: "second", version: "3" },
      ],
      vulnerabilities: [{ id: "CVE-1", affects: [{ ref: "dup" }, { ref: "inner" }] }],
    };
    const report = parseReport(Buffer.from(JSON.stringify(bom)), ctx);
    expect(report.findings.map((f) => f.title)).toEqual(["CVE-1 in second@3", "CVE-1 in child@2"]);
    expect(report.components?.map((c) => c.name)).toEqual(["second", "parent", "child", "first"]);
  });
});

describe("cyclonedx-xml", () => {
  it("detects a CycloneDX XML BOM by its namespace", () => {
    expect(cyclonedxXml.detect(load("cyclonedx-xml/vex-1.6.xml"))).toBe(true);
    expect(cyclonedxXml.detect(load("cyclonedx-xml/ext-1.3.xml"))).toBe(true);
    expect(
      cyclonedxXml.detect({ syntax: "xml", root: "bom", head: "<bom>", bytes: Buffer.from("<bom/>") }),
    ).toBe(false);
    expect(cyclonedxJson.detect(load("cyclonedx-xml/vex-1.6.xml"))).toBe(false);
  });

  it("maps the XML BOM like the JSON one", () => {
    const { tool, findings } = parseXml("vex-1.6.xml");
    expect(tool).toEqual({ name: "grype", version: "0.87.0" });
    expect(findings).toHaveLength(2);
    for (const f of findings) expect(NormalizedFinding.safeParse(f).success).toBe(true);
    const [busybox, jackson] = findings;
    expect(busybox).toMatchObject({
      category: "container",
      severity: "medium",
      cvss: { version: "3.1", vector: "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H", score: 5.5 },
      vulnerability: { id: "CVE-2023-42365", aliases: ["GHSA-xxxx-yyyy-zzzz"] },
      cwes: ["CWE-416"],
      package: {
        purl: "pkg:apk/alpine/busybox@1.36.1-r5?arch=x86_64&distro=alpine-3.19",
        name: "busybox",
        version: "1.36.1-r5",
        fixedVersions: ["1.36.1-r6"],
      },
      location: { image: "alpine@sha256:1f2e3d" },
      vex: {
        state: "not_affected",
        justification: "code_not_present",
        detail: "awk is removed from the image",
      },
      suppressed: { kind: "vex", justification: "not_affected: code_not_present" },
      toolId: "urn:uuid:6eee14da-8f42-4cc4-bb65-203235f02415",
      tags: ["alpine", "vex-response:will_not_fix", "vex-response:update"],
    });
    expect(jackson).toMatchObject({
      category: "sca",
      severity: "critical",
      cvss: { version: "3.0", score: 9.8 },
      cwes: ["CWE-184", "CWE-502"],
      package: { name: "com.fasterxml.jackson.core:jackson-databind", version: "2.9.4", fixedVersions: [] },
      location: { file: "/opt/app/lib/jackson-databind-2.9.4.jar", image: "alpine@sha256:1f2e3d" },
    });
  });

  it("reads the 1.2/1.3 vulnerability extension inside components", () => {
    const { tool, findings } = parseXml("ext-1.3.xml");
    expect(tool).toEqual({ name: "grype", version: "0.33.1" });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      rule: { id: "CVE-2022-32149" },
      severity: "high",
      cvss: { version: "3.0", vector: "AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", score: 7.5 },
      package: { purl: "pkg:golang/golang.org/x/text@v0.3.6", name: "golang.org/x/text", version: "v0.3.6" },
      remediation: "Upgrade to v0.3.8",
      references: [
        "https://groups.google.com/g/golang-announce/c/-hjNw559_tE",
        "https://nvd.nist.gov/vuln/detail/CVE-2022-32149",
      ],
      tags: ["NVD"],
    });
  });

  it("parses a 1.4 BOM without vulnerabilities to no findings", () => {
    expect(parseXml("sbom-1.4.xml")).toEqual({
      tool: { name: "cyclonedx-maven-plugin", version: "2.7.9" },
      findings: [],
      components: [
        {
          name: "org.yaml:snakeyaml",
          purl: "pkg:maven/org.yaml/snakeyaml@1.33",
          ecosystem: "maven",
          version: "1.33",
        },
      ],
    });
  });

  it("fails a non-numeric score with a ParseError naming the format and the record", () => {
    expect(() => parseXml("malformed.xml")).toThrow(
      /cyclonedx-xml: .*\(at vulnerabilities\[0\]\.ratings\[0\]\.score\)/,
    );
  });
});
