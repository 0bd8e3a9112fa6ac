import { describe, expect, it } from "vitest";
import {
  type AliasMap,
  canonicalVulnerability,
  correlationKey,
  findingIdOf,
  learnAliases,
  normalizeEndpoint,
  packageKey,
} from "#shared/domain/correlation-key";
import type { NormalizedFinding } from "#shared/domain/finding";
import { makeFinding } from "#shared/parsers/finding-builder";
import { sastFinding, scaFinding } from "#test/support/findings";

describe("normalizeEndpoint", () => {
  it.each([
    ["https://shop.example.com/api/users/123/orders/456", "/api/users/{id}/orders/{id}"],
    ["https://x.io/api/items/550e8400-e29b-41d4-a716-446655440000", "/api/items/{id}"],
    ["https://x.io/api/items/550E8400-E29B-41D4-A716-446655440000/edit", "/api/items/{id}/edit"],
    ["https://x.io/files/0123456789abcdef0123", "/files/{id}"],
    ["https://x.io/search?q=secret&page=2", "/search"],
    ["https://x.io/a/b/#fragment", "/a/b"],
    ["https://x.io", "/"],
    ["https://x.io/", "/"],
    ["/api/users/42?expand=all", "/api/users/{id}"],
    ["/api/users/42#x", "/api/users/{id}"],
  ])("%s → %s", (url, expected) => {
    expect(normalizeEndpoint(url)).toBe(expected);
  });

  it("keeps words, versions and short hex that are not ids", () => {
    expect(normalizeEndpoint("https://x.io/v2/users/me")).toBe("/v2/users/me");
    expect(normalizeEndpoint("https://x.io/cafe/beef")).toBe("/cafe/beef");
    expect(normalizeEndpoint("https://x.io/img/logo123.png")).toBe("/img/logo123.png");
  });

  it("gives one key to requests that differ only by id or query", () => {
    expect(normalizeEndpoint("https://x.io/u/1?a=1")).toBe(normalizeEndpoint("https://x.io/u/999?b=2"));
  });
});

describe("packageKey", () => {
  const pkg = (p: Partial<NonNullable<NormalizedFinding["package"]>> & { name: string }) => ({
    package: { fixedVersions: [], ...p },
  });

  it("is undefined without a package", () => {
    expect(packageKey({})).toBeUndefined();
  });

  it("ignores the version", () => {
    expect(packageKey(pkg({ name: "lodash", purl: "pkg:npm/lodash@4.17.20" }))).toBe("lodash");
    expect(packageKey(pkg({ name: "lodash", purl: "pkg:npm/lodash@4.17.21" }))).toBe("lodash");
  });

  it("ignores the ecosystem: a purl and a bare name agree", () => {
    expect(packageKey(pkg({ name: "lodash" }))).toBe(
      packageKey(pkg({ name: "x", purl: "pkg:npm/lodash@1.0.0" })),
    );
  });

  it("keeps npm scopes and Maven groups", () => {
    expect(packageKey(pkg({ name: "@babel/core", purl: "pkg:npm/%40babel/core@7.0.0" }))).toBe("@babel/core");
    expect(packageKey(pkg({ name: "@babel/core", ecosystem: "npm" }))).toBe("@babel/core");
    expect(
      packageKey(pkg({ name: "log4j-core", purl: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1" })),
    ).toBe("org.apache.logging.log4j/log4j-core");
    expect(packageKey(pkg({ name: "org.apache.logging.log4j:log4j-core", ecosystem: "maven" }))).toBe(
      "org.apache.logging.log4j/log4j-core",
    );
    expect(packageKey(pkg({ name: "x", purl: "pkg:npm/%40babel/core@7" }))).not.toBe(
      packageKey(pkg({ name: "x", purl: "pkg:npm/%40other/core@7" })),
    );
  });

  it("drops the distro namespace of OS packages", () => {
    const keys = [
      packageKey(pkg({ name: "musl", purl: "pkg:apk/alpine/musl@1.2.2-r0?distro=3.14" })),
      packageKey(pkg({ name: "musl", purl: "pkg:apk/wolfi/musl@1.2.4" })),
      packageKey(pkg({ name: "musl", purl: "pkg:deb/debian/musl@1.2.2-1" })),
      packageKey(pkg({ name: "musl" })),
    ];
    expect(new Set(keys)).toEqual(new Set(["musl"]));
    expect(packageKey(pkg({ name: "openssl", purl: "pkg:rpm/redhat/openssl@3.0.7" }))).toBe("openssl");
  });

  it("normalizes PyPI names (PEP 503): case, '-', '_' and '.' runs", () => {
    const keys = [
      packageKey(pkg({ name: "Zope.Interface", purl: "pkg:pypi/zope.interface@5.4.0" })),
      packageKey(pkg({ name: "zope_interface", ecosystem: "pypi" })),
      packageKey(pkg({ name: "Zope--Interface", ecosystem: "pypi" })),
      packageKey(pkg({ name: "x", purl: "pkg:pypi/Zope_Interface@5.4.0" })),
    ];
    expect(new Set(keys)).toEqual(new Set(["zope-interface"]));
    expect(packageKey(pkg({ name: "PyYAML", ecosystem: "pypi" }))).toBe("pyyaml");
  });

  it("lower-cases names but does not apply PyPI rules to other ecosystems", () => {
    expect(packageKey(pkg({ name: "Newtonsoft.Json", ecosystem: "nuget" }))).toBe("newtonsoft.json");
    expect(packageKey(pkg({ name: "string_decoder", purl: "pkg:npm/string_decoder@1.3.0" }))).toBe(
      "string_decoder",
    );
  });
});

describe("canonicalVulnerability / learnAliases", () => {
  const vuln = (id: string, aliases: string[] = []) => scaFinding(id, "lodash", { aliases });

  it("is undefined without a vulnerability", () => {
    expect(canonicalVulnerability(sastFinding(1), new Map())).toBeUndefined();
  });

  it("prefers a CVE among the finding's ids, canonically spelled", () => {
    expect(canonicalVulnerability(vuln("GHSA-jfh8-c2jp-5v3q", ["cve-2021-44228"]), new Map())).toBe(
      "CVE-2021-44228",
    );
    expect(canonicalVulnerability(vuln("CVE-2021-45046", ["CVE-2021-44228"]), new Map())).toBe(
      "CVE-2021-44228",
    );
  });

  it("uses learned aliases for reports that name only the alias", () => {
    const aliases: AliasMap = new Map();
    const alone = vuln("GHSA-JFH8-C2JP-5V3Q");
    expect(canonicalVulnerability(alone, aliases)).toBe("GHSA-jfh8-c2jp-5v3q");
    learnAliases(vuln("GHSA-jfh8-c2jp-5v3q", ["CVE-2021-44228", "GO-2021-0001"]), aliases);
    expect(aliases.get("GHSA-jfh8-c2jp-5v3q")).toBe("CVE-2021-44228");
    expect(aliases.get("GO-2021-0001")).toBe("CVE-2021-44228");
    expect(canonicalVulnerability(alone, aliases)).toBe("CVE-2021-44228");
    expect(canonicalVulnerability(vuln("GO-2021-0001"), aliases)).toBe("CVE-2021-44228");
  });

  it("keeps the first learned CVE for an alias", () => {
    const aliases: AliasMap = new Map();
    learnAliases(vuln("GHSA-p6mc-m468-83gw", ["CVE-2020-0001"]), aliases);
    learnAliases(vuln("GHSA-p6mc-m468-83gw", ["CVE-2020-0002"]), aliases);
    expect(aliases.get("GHSA-p6mc-m468-83gw")).toBe("CVE-2020-0001");
  });

  it("learns nothing from findings without a CVE", () => {
    const aliases: AliasMap = new Map();
    learnAliases(vuln("GHSA-p6mc-m468-83gw", ["PYSEC-2021-1"]), aliases);
    learnAliases(sastFinding(1), aliases);
    expect(aliases.size).toBe(0);
  });

  it("prefers GHSA, then OSV ids, then vendor ids when there is no CVE", () => {
    expect(
      canonicalVulnerability(vuln("SNYK-JS-LODASH-1", ["PYSEC-2021-1", "GHSA-p6mc-m468-83gw"]), new Map()),
    ).toBe("GHSA-p6mc-m468-83gw");
    expect(canonicalVulnerability(vuln("SNYK-JS-LODASH-1", ["RUSTSEC-2021-0001"]), new Map())).toBe(
      "RUSTSEC-2021-0001",
    );
    expect(canonicalVulnerability(vuln("SNYK-JS-LODASH-1"), new Map())).toBe("SNYK-JS-LODASH-1");
  });
});

describe("correlationKey", () => {
  it("keys SCA findings on vulnerability and package, not tool or version", () => {
    const aliases: AliasMap = new Map();
    const trivy = scaFinding("CVE-2021-23337", "lodash", { tool: "trivy", version: "4.17.20" });
    const snyk = scaFinding("SNYK-JS-LODASH-1040724", "lodash", {
      tool: "snyk",
      version: "4.17.19",
      aliases: ["CVE-2021-23337"],
    });
    expect(correlationKey(trivy, aliases)).toBe("CVE-2021-23337|lodash");
    expect(correlationKey(snyk, aliases)).toBe(correlationKey(trivy, aliases));
  });

  it("keys a GHSA-only report on the CVE once the alias is learned", () => {
    const aliases: AliasMap = new Map();
    const ghsaOnly = scaFinding("GHSA-35jh-r3h4-6jhm", "lodash");
    const before = correlationKey(ghsaOnly, aliases);
    learnAliases(scaFinding("CVE-2021-23337", "lodash", { aliases: ["GHSA-35jh-r3h4-6jhm"] }), aliases);
    expect(before).toBe("GHSA-35jh-r3h4-6jhm|lodash");
    expect(correlationKey(ghsaOnly, aliases)).toBe("CVE-2021-23337|lodash");
  });

  it("uses a stable SAST fingerprint when present, independent of line numbers and snippet", () => {
    const a = makeFinding({
      ...sastFinding(1, { rule: "sqli", file: "src/a.ts", line: 10, snippet: "x" }),
      fingerprints: { "matchBasedId/v1": "abc123" },
    });
    const b = makeFinding({
      ...sastFinding(2, { rule: "sqli", file: "src/a.ts", line: 50, snippet: "changed code" }),
      fingerprints: { "matchBasedId/v1": "abc123" },
    });
    expect(correlationKey(a, new Map())).toBe("semgrep|sqli|src/a.ts|matchBasedId/v1=abc123");
    expect(correlationKey(b, new Map())).toBe(correlationKey(a, new Map()));
  });

  it("prefers primaryLocationLineHash over other stable fingerprints and ignores unstable ones", () => {
    const f = makeFinding({
      ...sastFinding(1, { rule: "r", file: "a.ts" }),
      fingerprints: { fingerprint: "F", primaryLocationLineHash: "P", "custom/v9": "C" },
    });
    expect(correlationKey(f, new Map())).toBe("semgrep|r|a.ts|primaryLocationLineHash=P");
    const unstable = makeFinding({
      ...sastFinding(1, { rule: "r", file: "a.ts" }),
      fingerprints: { "custom/v9": "C" },
    });
    expect(correlationKey(unstable, new Map())).not.toContain("custom");
  });

  it("falls back to the snippet hash without a fingerprint: line shifts keep the key, code changes do not", () => {
    const at10 = sastFinding(1, { rule: "r", file: "a.ts", line: 10, snippet: "query(a + b)" });
    const at90 = sastFinding(1, { rule: "r", file: "a.ts", line: 90, snippet: "query(a  +  b)" });
    const other = sastFinding(1, { rule: "r", file: "a.ts", line: 10, snippet: "query(c)" });
    expect(correlationKey(at90, new Map())).toBe(correlationKey(at10, new Map()));
    expect(correlationKey(other, new Map())).not.toBe(correlationKey(at10, new Map()));
  });

  it("makes SAST file paths repo-relative with the given root", () => {
    const win = sastFinding(1, { rule: "r", file: "C:\\work\\repo\\src\\a.ts" });
    const linux = sastFinding(1, { rule: "r", file: "src/a.ts" });
    expect(correlationKey(win, new Map(), "C:\\work\\repo")).toBe(correlationKey(linux, new Map()));
  });

  it("keys secrets on the hash and the file, not the line", () => {
    const secret = (file: string, line: number, hash = "a".repeat(64), preview = "AKIA…(20)") =>
      makeFinding({
        category: "secret",
        tool: { name: "gitleaks" },
        rule: { id: "aws-access-key" },
        title: "AWS key",
        severity: "critical",
        secret: { hash, preview },
        location: { file, startLine: line },
      });
    expect(correlationKey(secret("config/.env", 3), new Map())).toBe(`${"a".repeat(64)}|config/.env`);
    expect(correlationKey(secret("config/.env", 40), new Map())).toBe(
      correlationKey(secret("config/.env", 3), new Map()),
    );
    expect(correlationKey(secret("other/.env", 3), new Map())).not.toBe(
      correlationKey(secret("config/.env", 3), new Map()),
    );
    expect(correlationKey(secret("config/.env", 3, "b".repeat(64)), new Map())).not.toBe(
      correlationKey(secret("config/.env", 3), new Map()),
    );
    // a redacted report carries no usable hash: rule, file and line instead
    expect(correlationKey(secret("config/.env", 3, "c".repeat(64), "REDACTED"), new Map())).toBe(
      "aws-access-key|config/.env|3",
    );
  });

  it("keys DAST findings on weakness, method, endpoint family and parameter", () => {
    const dast = (url: string, method?: string) =>
      makeFinding({
        category: "dast",
        tool: { name: "zap" },
        rule: { id: "40018" },
        title: "SQL Injection",
        severity: "high",
        cwes: ["CWE-89"],
        location: { url, parameter: "id", ...(method ? { method } : {}) },
      });
    expect(correlationKey(dast("https://x.io/users/1?id=1"), new Map())).toBe("CWE-89|GET|/users/{id}|id");
    expect(correlationKey(dast("https://x.io/users/2?id=5", "get"), new Map())).toBe(
      correlationKey(dast("https://x.io/users/1?id=1"), new Map()),
    );
    expect(correlationKey(dast("https://x.io/users/2", "POST"), new Map())).toBe(
      "CWE-89|POST|/users/{id}|id",
    );
  });
});

describe("findingIdOf", () => {
  it("is 16 hex chars, stable, and separates app, category and key", () => {
    const id = findingIdOf("payments", "sca", "CVE-2021-23337|lodash");
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(findingIdOf("payments", "sca", "CVE-2021-23337|lodash")).toBe(id);
    expect(findingIdOf("checkout", "sca", "CVE-2021-23337|lodash")).not.toBe(id);
    expect(findingIdOf("payments", "container", "CVE-2021-23337|lodash")).not.toBe(id);
  });
});
