import { closeSync, openSync, writeSync } from "node:fs";
import type { NormalizedFinding } from "#shared/domain/finding";
import { parseReport } from "#shared/parsers/registry";

/**
 * Synthetic reports for the benchmark: realistic field shapes, deterministic content, any size.
 * Generated, never read from the corpus. Each report comes as pieces of text in order (`…Pieces`):
 * joined they are the report (`joined`), written one by one to a file (`writeReport`) a report of
 * hundreds of MB never sits whole in memory.
 */

/** The text of a report given as pieces. */
export function joined(pieces: Iterable<string>): string {
  return Array.from(pieces).join("");
}

/** Writes the pieces to `file` a few MB at a time; returns the bytes written. */
export function writeReport(file: string, pieces: Iterable<string>): number {
  const fd = openSync(file, "w");
  let bytes = 0;
  try {
    let batch: string[] = [];
    let batchLength = 0;
    const flush = () => {
      if (!batch.length) return;
      bytes += writeSync(fd, batch.join(""));
      batch = [];
      batchLength = 0;
    };
    for (const piece of pieces) {
      batch.push(piece);
      batchLength += piece.length;
      if (batchLength >= 4 * 1024 * 1024) flush();
    }
    flush();
  } finally {
    closeSync(fd);
  }
  return bytes;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const WORDS = [
  "user",
  "input",
  "query",
  "request",
  "token",
  "session",
  "payload",
  "buffer",
  "handler",
  "router",
  "cache",
  "config",
];

/** A SARIF 2.1.0 log shaped like CodeQL output, about `targetBytes` long (or of `count` results). */
export function sarifReport(targetBytes: number, seed = 1, count = Number.POSITIVE_INFINITY): string {
  return joined(sarifPieces(targetBytes, seed, count));
}

export function* sarifPieces(
  targetBytes: number,
  seed = 1,
  count = Number.POSITIVE_INFINITY,
): Generator<string> {
  const rnd = lcg(seed);
  const rules = Array.from({ length: 60 }, (_, i) => ({
    id: `js/rule-${i}`,
    name: `js/rule-${i}`,
    shortDescription: { text: `Rule ${i}: ${WORDS[i % WORDS.length]} flows into a sensitive sink` },
    fullDescription: {
      text: `A longer description of rule ${i} explaining the weakness and its impact in some detail.`,
    },
    defaultConfiguration: { level: i % 3 === 0 ? "error" : "warning" },
    properties: {
      tags: ["security", `external/cwe/cwe-${String(79 + (i % 20)).padStart(3, "0")}`],
      "security-severity": String(((i * 7) % 100) / 10),
      precision: "high",
    },
  }));
  yield `{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{"tool":{"driver":{"name":"CodeQL","semanticVersion":"2.19.3","rules":${JSON.stringify(rules)}}},"results":[`;
  let size = 0;
  for (let i = 0; count === Number.POSITIVE_INFINITY ? size < targetBytes : i < count; i++) {
    const ruleIndex = Math.floor(rnd() * rules.length);
    const line = 1 + Math.floor(rnd() * 2000);
    const word = WORDS[i % WORDS.length];
    const result = JSON.stringify({
      ruleId: rules[ruleIndex]?.id,
      ruleIndex,
      message: { text: `This ${word} depends on a user-provided value (${i}).` },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: `src/module-${i % 300}/${word}-${i % 97}.js`, uriBaseId: "%SRCROOT%" },
            region: {
              startLine: line,
              startColumn: 5,
              endLine: line,
              endColumn: 42,
              snippet: { text: `  const ${word} = req.query.${word}${i % 13};` },
            },
          },
        },
      ],
      partialFingerprints: {
        primaryLocationLineHash: `${((i * 2654435761) >>> 0).toString(16).padStart(8, "0")}${((line * 40503) >>> 0).toString(16)}:1`,
      },
      codeFlows: [
        {
          threadFlows: [
            {
              locations: [
                {
                  location: {
                    physicalLocation: {
                      artifactLocation: { uri: `src/module-${i % 300}/source.js` },
                      region: { startLine: line - 3 },
                    },
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    yield i === 0 ? result : `,${result}`;
    size += result.length + 1;
  }
  yield "]}]}";
}

/** A Trivy JSON report (image scan) about `targetBytes` long. */
export function trivyReport(targetBytes: number, seed = 2): string {
  return joined(trivyPieces(targetBytes, seed));
}

export function* trivyPieces(targetBytes: number, seed = 2): Generator<string> {
  const rnd = lcg(seed);
  yield `{"SchemaVersion":2,"CreatedAt":"2026-11-20T10:00:00Z","ArtifactName":"registry.example.com/shop:1.0","ArtifactType":"container_image","Metadata":{"OS":{"Family":"debian","Name":"12.7"}},"Results":[{"Target":"registry.example.com/shop:1.0 (debian 12.7)","Class":"os-pkgs","Type":"debian","Vulnerabilities":[`;
  let size = 0;
  for (let i = 0; size < targetBytes; i++) {
    const pkg = `lib${WORDS[i % WORDS.length]}${i % 500}`;
    const year = 2015 + (i % 10);
    const v = JSON.stringify({
      VulnerabilityID: `CVE-${year}-${10000 + i}`,
      PkgID: `${pkg}@1.${i % 9}.${i % 7}`,
      PkgName: pkg,
      PkgIdentifier: { PURL: `pkg:deb/debian/${pkg}@1.${i % 9}.${i % 7}?arch=amd64&distro=debian-12` },
      InstalledVersion: `1.${i % 9}.${i % 7}`,
      FixedVersion: rnd() < 0.7 ? `1.${i % 9}.${(i % 7) + 1}` : "",
      Status: "fixed",
      Layer: { DiffID: `sha256:${((i * 2654435761) >>> 0).toString(16).padStart(64, "0")}` },
      SeveritySource: "nvd",
      PrimaryURL: `https://avd.aquasec.com/nvd/cve-${year}-${10000 + i}`,
      DataSource: {
        ID: "debian",
        Name: "Debian Security Tracker",
        URL: "https://salsa.debian.org/security-tracker-team/security-tracker",
      },
      Title: `${pkg}: a flaw in ${WORDS[(i + 3) % WORDS.length]} handling`,
      Description: `A flaw was found in ${pkg} where a crafted ${WORDS[(i + 5) % WORDS.length]} could lead to memory corruption or denial of service.`,
      Severity: ["LOW", "MEDIUM", "HIGH", "CRITICAL"][Math.floor(rnd() * 4)],
      CweIDs: [`CWE-${119 + (i % 10)}`],
      VendorSeverity: { debian: 1 + (i % 3), nvd: 2 + (i % 2) },
      CVSS: { nvd: { V3Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", V3Score: 9.8 } },
      References: [`https://security-tracker.debian.org/tracker/CVE-${year}-${10000 + i}`],
      PublishedDate: "2023-01-01T00:00:00Z",
      LastModifiedDate: "2024-01-01T00:00:00Z",
    });
    yield i === 0 ? v : `,${v}`;
    size += v.length + 1;
  }
  yield "]}]}";
}

/** A hex string of `length` digits, deterministic in `n`. */
function hex(n: number, length: number): string {
  let out = "";
  for (let k = 0; out.length < length; k++)
    out += (Math.imul(n + k, 2654435761) >>> 0).toString(16).padStart(8, "0");
  return out.slice(0, length);
}

const CVSS31 = [
  { vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 9.8, severity: "critical" },
  { vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", score: 7.5, severity: "high" },
  { vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", score: 6.1, severity: "medium" },
  { vector: "CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:L/I:N/A:N", score: 2.5, severity: "low" },
] as const;

/** The components a CycloneDX BOM of an image lists: Debian packages and the app's npm packages. */
function cdxComponent(i: number): { ref: string; json: string; version: string } {
  const os = i % 3 === 0;
  const name = os
    ? `lib${WORDS[i % WORDS.length]}${i % 700}`
    : `${WORDS[i % WORDS.length]}-${WORDS[(i >> 3) % WORDS.length]}-${i}`;
  const version = os ? `1.${i % 9}.${i % 7}-${1 + (i % 3)}+deb12u${i % 4}` : `${i % 5}.${i % 17}.${i % 11}`;
  const purl = os
    ? `pkg:deb/debian/${name}@${encodeURIComponent(version)}?arch=amd64&distro=debian-12.7`
    : `pkg:npm/${i % 4 === 1 ? `%40acme/` : ""}${name}@${version}`;
  const ref = `${purl}${os ? "&" : "?"}package-id=${hex(i, 16)}`;
  const component = {
    "bom-ref": ref,
    type: "library",
    ...(os ? { supplier: { name: "Debian Security Team <team@security.debian.org>" } } : {}),
    name: i % 4 === 1 && !os ? `@acme/${name}` : name,
    version,
    licenses: [{ license: { name: os ? "GPL-2.0-or-later" : "MIT" } }],
    purl,
    properties: [
      { name: "aquasecurity:trivy:LayerDiffID", value: `sha256:${hex(i % 12, 64)}` },
      { name: "aquasecurity:trivy:PkgID", value: `${name}@${version}` },
      { name: "aquasecurity:trivy:PkgType", value: os ? "debian" : "node-pkg" },
      ...(os
        ? []
        : [{ name: "aquasecurity:trivy:FilePath", value: `app/node_modules/${name}/package.json` }]),
    ],
    ...(os ? {} : { evidence: { occurrences: [{ location: `app/node_modules/${name}/package.json` }] } }),
  };
  return { ref, json: JSON.stringify(component), version };
}

/** The vulnerabilities found in component `i` (one to three); every fifth's first also affects the next. */
function cdxVulnerabilities(i: number, components: number): string[] {
  const own = cdxComponent(i);
  const next = i % 5 === 0 && i + 1 < components ? cdxComponent(i + 1) : undefined;
  const out: string[] = [];
  for (let j = 0; j < 1 + (i % 3); j++) {
    const year = 2016 + ((i + j) % 9);
    const id = `CVE-${year}-${10000 + i * 3 + j}`;
    const cvss = CVSS31[(i + j) % CVSS31.length] ?? CVSS31[0];
    const affects = [own, ...(j === 0 && next ? [next] : [])].map((c) => ({
      ref: c.ref,
      versions: [{ version: c.version, status: "affected" }],
    }));
    out.push(
      JSON.stringify({
        "bom-ref": `${id}#${hex(i * 3 + j, 8)}`,
        id,
        source: { name: i % 3 === 0 ? "debian" : "ghsa", url: "https://github.com/advisories" },
        ratings: [
          {
            source: { name: "nvd" },
            score: cvss.score,
            severity: cvss.severity,
            method: "CVSSv31",
            vector: cvss.vector,
          },
          {
            source: { name: "nvd" },
            score: 5,
            severity: "medium",
            method: "CVSSv2",
            vector: "AV:N/AC:L/Au:N/C:N/I:N/A:P",
          },
          { source: { name: i % 3 === 0 ? "debian" : "ghsa" }, severity: cvss.severity },
        ],
        cwes: [79 + (i % 20), 400],
        description: `A flaw in the ${WORDS[(i + j) % WORDS.length]} parser of ${own.ref.split("@")[0]} allows a remote attacker to cause a denial of service or run code via a crafted ${WORDS[(i + 5) % WORDS.length]}.`,
        recommendation: `Upgrade to a fixed version (${own.version.replace(/\d+$/, (d) => String(Number(d) + 1))} or later).`,
        advisories: [
          { url: `https://avd.aquasec.com/nvd/${id.toLowerCase()}` },
          { url: `https://nvd.nist.gov/vuln/detail/${id}` },
        ],
        published: `${year}-03-14T18:15:00+00:00`,
        updated: "2025-06-01T12:00:00+00:00",
        affects,
      }),
    );
  }
  return out;
}

/**
 * A CycloneDX 1.5 JSON BOM of an image as Trivy writes it (`--format cyclonedx --scanners vuln`):
 * components (Debian and npm packages), then vulnerabilities whose `affects[].ref` point at them,
 * rated with CVSS vectors. About `targetBytes` long: the component count is set from the size of
 * the first components and their vulnerabilities, since components come first.
 */
export function* cyclonedxPieces(targetBytes: number, seed = 3): Generator<string> {
  const offset = seed * 1_000_003;
  let sample = 0;
  const SAMPLE = 60;
  for (let i = 0; i < SAMPLE; i++)
    sample +=
      cdxComponent(offset + i).json.length +
      1 +
      cdxVulnerabilities(offset + i, Number.MAX_SAFE_INTEGER).reduce((n, v) => n + v.length + 1, 0);
  const components = Math.max(1, Math.ceil(targetBytes / (sample / SAMPLE)));
  const last = offset + components;
  yield `{"$schema":"http://cyclonedx.org/schema/bom-1.5.schema.json","bomFormat":"CycloneDX","specVersion":"1.5","serialNumber":"urn:uuid:${hex(seed, 8)}-${hex(seed + 1, 4)}-4${hex(seed + 2, 3)}-8${hex(seed + 3, 3)}-${hex(seed + 4, 12)}","version":1,"metadata":{"timestamp":"2026-11-20T10:00:00+00:00","tools":{"components":[{"type":"application","group":"aquasecurity","name":"trivy","version":"0.57.1"}]},"component":{"bom-ref":"pkg:oci/shop@sha256%3A${hex(seed, 64)}?arch=amd64&repository_url=registry.example.com%2Fshop","type":"container","name":"registry.example.com/shop","version":"sha256:${hex(seed, 64)}","purl":"pkg:oci/shop@sha256%3A${hex(seed, 64)}?arch=amd64&repository_url=registry.example.com%2Fshop"}},"components":[`;
  for (let i = offset; i < last; i++) {
    const c = cdxComponent(i).json;
    yield i === offset ? c : `,${c}`;
  }
  yield `],"vulnerabilities":[`;
  let first = true;
  for (let i = offset; i < last; i++)
    for (const v of cdxVulnerabilities(i, last)) {
      yield first ? v : `,${v}`;
      first = false;
    }
  yield "]}";
}

const NUCLEI_TEMPLATES = [
  {
    id: "CVE-2021-44228",
    name: "Apache Log4j2 Remote Code Injection",
    severity: "critical",
    cwe: "cwe-502",
    tags: ["cve", "cve2021", "rce", "oast", "log4j", "injection", "kev"],
  },
  {
    id: "http-missing-security-headers",
    name: "HTTP Missing Security Headers",
    severity: "info",
    cwe: "cwe-693",
    tags: ["misconfig", "headers", "generic"],
  },
  {
    id: "CVE-2023-46604",
    name: "Apache ActiveMQ - Remote Code Execution",
    severity: "critical",
    cwe: "cwe-502",
    tags: ["cve", "cve2023", "network", "rce", "activemq", "kev"],
  },
  {
    id: "exposed-gitignore",
    name: ".gitignore File Disclosure",
    severity: "low",
    cwe: "cwe-200",
    tags: ["exposure", "config", "git"],
  },
  {
    id: "CVE-2022-22965",
    name: "Spring4Shell - Remote Code Execution",
    severity: "critical",
    cwe: "cwe-94",
    tags: ["cve", "cve2022", "rce", "spring", "kev"],
  },
  {
    id: "weak-cipher-suites",
    name: "Weak Cipher Suites Detection",
    severity: "medium",
    cwe: "cwe-326",
    tags: ["ssl", "tls", "misconfig"],
  },
] as const;

/**
 * Nuclei v3 results as JSON Lines (`nuclei -jsonl`), one result a line, request and response
 * included as Nuclei writes them (the parser drops both), about `targetBytes` long.
 */
export function* nucleiJsonlPieces(targetBytes: number, seed = 4): Generator<string> {
  let size = 0;
  for (let i = seed * 1_000_003; size < targetBytes; i++) {
    const t = NUCLEI_TEMPLATES[i % NUCLEI_TEMPLATES.length] ?? NUCLEI_TEMPLATES[0];
    const host = `https://app-${i % 400}.example.com`;
    const path = `/api/v${1 + (i % 3)}/${WORDS[i % WORDS.length]}/${i}`;
    const cve = t.id.startsWith("CVE-");
    const header =
      t.id === "http-missing-security-headers"
        ? ["strict-transport-security", "content-security-policy", "x-frame-options"][i % 3]
        : undefined;
    const record = JSON.stringify({
      template: `http/${cve ? `cves/${t.id.slice(4, 8)}/` : "misconfiguration/"}${t.id}.yaml`,
      "template-url": `https://cloud.projectdiscovery.io/public/${t.id}`,
      "template-id": t.id,
      "template-path": `/root/nuclei-templates/http/${t.id}.yaml`,
      info: {
        name: t.name,
        author: ["pdteam", "dhiyaneshdk"],
        tags: t.tags,
        description: `${t.name}: the ${WORDS[i % WORDS.length]} endpoint answers in a way that exposes the application to this weakness.`,
        reference: [
          `https://nvd.nist.gov/vuln/detail/${t.id}`,
          `https://github.com/advisories?query=${t.id}`,
        ],
        severity: t.severity,
        metadata: { "max-request": 1, verified: true, shodan: `http.title:"${WORDS[i % WORDS.length]}"` },
        classification: {
          ...(cve
            ? {
                "cve-id": [t.id.toLowerCase()],
                "cvss-metrics": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
                "cvss-score": 10,
                "epss-score": 0.97,
                "epss-percentile": 0.99,
              }
            : {}),
          "cwe-id": [t.cwe],
        },
        remediation: "Upgrade to the latest version or apply the vendor's mitigation.",
      },
      type: "http",
      host,
      port: "443",
      scheme: "https",
      url: host,
      path,
      "matched-at": `${host}${path}`,
      ...(header ? { "matcher-name": header } : {}),
      request: `GET ${path} HTTP/1.1\r\nHost: app-${i % 400}.example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nAccept: */*\r\nAccept-Encoding: gzip\r\n\r\n`,
      response: `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nServer: nginx/1.25.3\r\nDate: Fri, 20 Nov 2026 10:00:00 GMT\r\n\r\n{"${WORDS[i % WORDS.length]}":"${hex(i, 32)}","status":"ok"}`,
      ip: `10.0.${(i >> 8) % 256}.${i % 256}`,
      timestamp: "2026-11-20T10:00:00.000000000Z",
      "curl-command": `curl -X 'GET' -H 'Accept: */*' '${host}${path}'`,
      "matcher-status": true,
    });
    yield `${record}\n`;
    size += record.length + 1;
  }
}

interface DcVulnerability {
  source: "NVD" | "OSSINDEX";
  name: string;
  severity: string;
  cvssv2: {
    score: number;
    av: string;
    ac: string;
    au: string;
    c: string;
    i: string;
    a: string;
    severity: string;
  };
  cvssv3: { score: number; vector: string; severity: string };
  cwes: string[];
  description: string;
  references: Array<{ source: string; url: string; name: string }>;
  software: { cpe: string; fixed: string };
}

interface DcDependency {
  fileName: string;
  filePath: string;
  hashes: { md5: string; sha1: string; sha256: string };
  evidence: Array<{ type: string; confidence: string; source: string; name: string; value: string }>;
  purl: string;
  cpe: string;
  vulnerabilities: DcVulnerability[];
}

/** Dependency `i` of a Java application, with one to three vulnerabilities. */
function dcDependency(i: number): DcDependency {
  const group = `org.${WORDS[i % WORDS.length]}`;
  const artifact = `${WORDS[(i >> 2) % WORDS.length]}-${WORDS[(i >> 5) % WORDS.length]}-${i % 997}`;
  const version = `${1 + (i % 4)}.${i % 13}.${i % 7}`;
  const cpe = `cpe:2.3:a:${WORDS[i % WORDS.length]}:${artifact}:${version}:*:*:*:*:*:*:*`;
  const vulnerabilities: DcVulnerability[] = [];
  for (let j = 0; j < 1 + (i % 3); j++) {
    const cvss = CVSS31[(i + j) % CVSS31.length] ?? CVSS31[0];
    const year = 2016 + ((i + j) % 9);
    const name = `CVE-${year}-${20000 + i * 3 + j}`;
    vulnerabilities.push({
      source: j % 2 ? "OSSINDEX" : "NVD",
      name,
      severity: cvss.severity.toUpperCase(),
      cvssv2: {
        score: 5,
        av: "NETWORK",
        ac: "LOW",
        au: "NONE",
        c: "NONE",
        i: "NONE",
        a: "PARTIAL",
        severity: "MEDIUM",
      },
      cvssv3: { score: cvss.score, vector: cvss.vector, severity: cvss.severity.toUpperCase() },
      cwes: [`CWE-${79 + (i % 20)}`],
      description: `${artifact} before ${version.replace(/\d+$/, (d) => String(Number(d) + 1))} mishandles a crafted ${WORDS[(i + j) % WORDS.length]}, which lets a remote attacker cause a denial of service or execute code.`,
      references: [
        {
          source: "MISC",
          url: `https://github.com/${group}/${artifact}/issues/${i % 5000}`,
          name: `https://github.com/${group}/${artifact}/issues/${i % 5000}`,
        },
        {
          source: "OSSINDEX",
          url: `https://ossindex.sonatype.org/vulnerability/${name}`,
          name: `[${name}] CWE-${79 + (i % 20)}`,
        },
      ],
      software: {
        cpe: `cpe:2.3:a:${WORDS[i % WORDS.length]}:${artifact}:*:*:*:*:*:*:*:*`,
        fixed: version.replace(/\d+$/, (d) => String(Number(d) + 1)),
      },
    });
  }
  return {
    fileName: `${artifact}-${version}.jar`,
    filePath: `/src/app/target/lib/${artifact}-${version}.jar`,
    hashes: { md5: hex(i, 32), sha1: hex(i + 1, 40), sha256: hex(i + 2, 64) },
    evidence: [
      { type: "vendor", confidence: "HIGH", source: "pom", name: "groupid", value: group },
      { type: "product", confidence: "HIGHEST", source: "pom", name: "artifactid", value: artifact },
      { type: "version", confidence: "HIGHEST", source: "pom", name: "version", value: version },
      {
        type: "vendor",
        confidence: "MEDIUM",
        source: "Manifest",
        name: "Implementation-Vendor",
        value: `The ${WORDS[i % WORDS.length]} project`,
      },
    ],
    purl: `pkg:maven/${group}/${artifact}@${version}`,
    cpe,
    vulnerabilities,
  };
}

function xmlEscape(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function dcDependencyXml(d: DcDependency): string {
  const e = xmlEscape;
  const vulns = d.vulnerabilities
    .map(
      (v) =>
        `<vulnerability source="${v.source}"><name>${v.name}</name><severity>${v.severity}</severity>` +
        `<cvssV2><score>${v.cvssv2.score}</score><accessVector>${v.cvssv2.av}</accessVector><accessComplexity>${v.cvssv2.ac}</accessComplexity><authenticationr>${v.cvssv2.au}</authenticationr><confidentialImpact>${v.cvssv2.c}</confidentialImpact><integrityImpact>${v.cvssv2.i}</integrityImpact><availabilityImpact>${v.cvssv2.a}</availabilityImpact><severity>${v.cvssv2.severity}</severity><version>2.0</version></cvssV2>` +
        `<cvssV3><baseScore>${v.cvssv3.score}</baseScore><vectorString>${v.cvssv3.vector}</vectorString><baseSeverity>${v.cvssv3.severity}</baseSeverity><version>3.1</version></cvssV3>` +
        `<cwes>${v.cwes.map((c) => `<cwe>${c}</cwe>`).join("")}</cwes><description>${e(v.description)}</description><notes/>` +
        `<references>${v.references.map((r) => `<reference><source>${r.source}</source><url>${e(r.url)}</url><name>${e(r.name)}</name></reference>`).join("")}</references>` +
        `<vulnerableSoftware><software vulnerabilityIdMatched="true" versionEndExcluding="${v.software.fixed}">${v.software.cpe}</software></vulnerableSoftware></vulnerability>`,
    )
    .join("");
  return (
    `<dependency isVirtual="false"><fileName>${e(d.fileName)}</fileName><filePath>${e(d.filePath)}</filePath><md5>${d.hashes.md5}</md5><sha1>${d.hashes.sha1}</sha1><sha256>${d.hashes.sha256}</sha256>` +
    `<evidenceCollected>${d.evidence.map((x) => `<evidence type="${x.type}" confidence="${x.confidence}"><source>${x.source}</source><name>${x.name}</name><value>${e(x.value)}</value></evidence>`).join("")}</evidenceCollected>` +
    `<identifiers><package confidence="HIGH"><id>${e(d.purl)}</id><url>https://ossindex.sonatype.org/component/${e(d.purl)}</url></package><vulnerabilityIds confidence="HIGHEST"><id>${d.cpe}</id><url>https://nvd.nist.gov/vuln/search/results?form_type=Advanced&amp;results_type=overview&amp;search_type=all&amp;cpe_vendor=cpe%3A%2F%3A${encodeURIComponent(d.cpe.split(":")[3] ?? "")}</url></vulnerabilityIds></identifiers>` +
    `<vulnerabilities>${vulns}</vulnerabilities></dependency>`
  );
}

/** The same dependency as Dependency-Check's JSON report (`--format JSON`) writes it. */
function dcDependencyJson(d: DcDependency): string {
  return JSON.stringify({
    isVirtual: false,
    fileName: d.fileName,
    filePath: d.filePath,
    ...d.hashes,
    evidenceCollected: {
      vendorEvidence: d.evidence.filter((x) => x.type === "vendor"),
      productEvidence: d.evidence.filter((x) => x.type === "product"),
      versionEvidence: d.evidence.filter((x) => x.type === "version"),
    },
    packages: [{ id: d.purl, confidence: "HIGH", url: `https://ossindex.sonatype.org/component/${d.purl}` }],
    vulnerabilityIds: [
      {
        id: d.cpe,
        confidence: "HIGHEST",
        url: `https://nvd.nist.gov/vuln/search/results?form_type=Advanced&results_type=overview&search_type=all&cpe_vendor=cpe%3A%2F%3A${encodeURIComponent(d.cpe.split(":")[3] ?? "")}`,
      },
    ],
    vulnerabilities: d.vulnerabilities.map((v) => ({
      source: v.source,
      name: v.name,
      severity: v.severity,
      cvssv2: {
        score: v.cvssv2.score,
        accessVector: v.cvssv2.av,
        accessComplexity: v.cvssv2.ac,
        authenticationr: v.cvssv2.au,
        confidentialImpact: v.cvssv2.c,
        integrityImpact: v.cvssv2.i,
        availabilityImpact: v.cvssv2.a,
        severity: v.cvssv2.severity,
        version: "2.0",
      },
      cvssv3: {
        baseScore: v.cvssv3.score,
        vectorString: v.cvssv3.vector,
        baseSeverity: v.cvssv3.severity,
        version: "3.1",
      },
      cwes: v.cwes,
      description: v.description,
      notes: "",
      references: v.references,
      vulnerableSoftware: [
        {
          software: {
            id: v.software.cpe,
            vulnerabilityIdMatched: "true",
            versionEndExcluding: v.software.fixed,
          },
        },
      ],
    })),
  });
}

/**
 * An OWASP Dependency-Check XML report (dependency-check 4.0 schema) of a Java application, about
 * `targetBytes` long; `written.count` is how many dependencies it holds once the pieces are read,
 * so `dependencyCheckJsonPieces` can render the very same dependencies as the JSON report.
 */
export function* dependencyCheckXmlPieces(
  targetBytes: number,
  seed = 5,
  written: { count: number } = { count: 0 },
): Generator<string> {
  yield `<?xml version="1.0"?>\n<analysis xmlns="https://jeremylong.github.io/DependencyCheck/dependency-check.4.0.xsd"><scanInfo><engineVersion>10.0.4</engineVersion></scanInfo><projectInfo><name>shop</name><reportDate>2026-11-20T10:00:00Z</reportDate></projectInfo><dependencies>`;
  let size = 0;
  written.count = 0;
  for (let i = seed * 1_000_003; size < targetBytes; i++) {
    const xml = dcDependencyXml(dcDependency(i));
    yield `\n${xml}`;
    size += xml.length + 1;
    written.count++;
  }
  yield "\n</dependencies></analysis>\n";
}

/** The first `count` dependencies of `dependencyCheckXmlPieces(…, seed)` as a Dependency-Check JSON report. */
export function* dependencyCheckJsonPieces(count: number, seed = 5): Generator<string> {
  yield `{"reportSchema":"1.1","scanInfo":{"engineVersion":"10.0.4"},"projectInfo":{"name":"shop","reportDate":"2026-11-20T10:00:00Z"},"dependencies":[`;
  const first = seed * 1_000_003;
  for (let i = first; i < first + count; i++) {
    const json = dcDependencyJson(dcDependency(i));
    yield i === first ? json : `,${json}`;
  }
  yield "]}";
}

/** `n` distinct normalized findings, as the SARIF parser makes them from a generated report. */
export function sarifResults(n: number, seed = 7): NormalizedFinding[] {
  return parseReport(Buffer.from(sarifReport(0, seed, n)), { secretSalt: "bench" }).findings;
}
