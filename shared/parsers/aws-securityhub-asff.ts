import { z } from "zod";
import type { Category, Cvss, NormalizedFinding, Severity } from "#shared/domain/finding";
import { severityFromWord } from "#shared/domain/severity";
import { canonicalVulnId } from "#shared/domain/vulnerability-id";
import { cvssFrom } from "./cvss-vector.ts";
import { isRecord, type ReportDocument, recordsOf } from "./document.ts";
import { purlFromEcosystem } from "./ecosystem-purl.ts";
import { anyOf, emptyArray, emptyList } from "./empty-report.ts";
import { type FindingDraft, makeFinding } from "./finding-builder.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { newestCvss } from "./newest-cvss.ts";
import { parseShape } from "./shape.ts";

/**
 * AWS Security Hub findings in the AWS Security Finding Format (ASFF, SchemaVersion 2018-10-08):
 * `aws securityhub get-findings` output (`{"Findings": [...]}`), a bare array of findings (what
 * `BatchImportFindings` takes, and what Trivy's `asff.tpl` writes), or EventBridge
 * `Security Hub Findings - *` events (their `detail.findings`), one event or JSON Lines of them.
 *
 * Emission: one finding per ASFF finding, and one per vulnerable package when the finding lists
 * `Vulnerabilities[].VulnerablePackages`. Not findings: `RecordState: ARCHIVED`, workflow status
 * `RESOLVED`, and control checks whose `Compliance.Status` is `PASSED` or `NOT_AVAILABLE`.
 * Workflow status `SUPPRESSED` is kept and marked suppressed with the note as justification.
 *
 * Category: package vulnerabilities → container for OS packages (or any package of a container
 * resource), sca otherwise; code vulnerabilities → sast; `Sensitive Data Identifications` that name
 * credentials → secret; everything else (controls, best practices, threat detections) → iac.
 */

const FORMAT = "aws-securityhub-asff";
const SCHEMA_VERSION = "2018-10-08";
const Str = z.string().nullish();

const VulnerablePackage = z.object({
  Name: z.string(),
  Version: Str,
  Epoch: z.union([z.string(), z.number()]).nullish(),
  Release: Str,
  Architecture: Str,
  PackageManager: Str,
  FilePath: Str,
  FixedInVersion: Str,
  Remediation: Str,
});
type VulnerablePackage = z.infer<typeof VulnerablePackage>;

const Vulnerability = z.object({
  Id: z.string(),
  VulnerablePackages: z.array(VulnerablePackage).nullish(),
  Cvss: z
    .array(z.object({ Version: Str, BaseScore: z.number().nullish(), BaseVector: Str, Source: Str }))
    .nullish(),
  RelatedVulnerabilities: z.array(z.string()).nullish(),
  Vendor: z.object({ Name: Str, Url: Str, VendorSeverity: Str }).nullish(),
  ReferenceUrls: z.array(z.string()).nullish(),
  FixAvailable: Str,
  EpssScore: z.number().nullish(),
  ExploitAvailable: Str,
  LastKnownExploitAt: Str,
  CodeVulnerabilities: z
    .array(
      z.object({
        Cwes: z.array(z.string()).nullish(),
        FilePath: z
          .object({
            FilePath: Str,
            FileName: Str,
            StartLine: z.number().nullish(),
            EndLine: z.number().nullish(),
          })
          .nullish(),
      }),
    )
    .nullish(),
});
type Vulnerability = z.infer<typeof Vulnerability>;

const Resource = z.object({
  Type: z.string(),
  Id: z.string(),
  Region: Str,
  Details: z
    .object({
      AwsEcrContainerImage: z
        .object({ RepositoryName: Str, ImageTags: z.array(z.string()).nullish(), ImageDigest: Str })
        .nullish(),
      Container: z.object({ ImageName: Str }).nullish(),
      Other: z.record(z.string(), z.unknown()).nullish(),
    })
    .nullish(),
});
type Resource = z.infer<typeof Resource>;

const Finding = z.object({
  SchemaVersion: z.string(),
  Id: z.string(),
  ProductArn: z.string(),
  ProductName: Str,
  CompanyName: Str,
  GeneratorId: Str,
  AwsAccountId: z.union([z.string(), z.number()]).nullish(),
  Types: z.array(z.string()).nullish(),
  Title: Str,
  Description: Str,
  Severity: z.object({ Label: Str, Normalized: z.number().nullish(), Original: Str }).nullish(),
  Confidence: z.number().nullish(),
  Remediation: z.object({ Recommendation: z.object({ Text: Str, Url: Str }).nullish() }).nullish(),
  ProductFields: z.record(z.string(), z.unknown()).nullish(),
  Resources: z.array(Resource).nullish(),
  Compliance: z
    .object({
      Status: Str,
      SecurityControlId: Str,
      RelatedRequirements: z.array(z.string()).nullish(),
    })
    .nullish(),
  Workflow: z.object({ Status: Str }).nullish(),
  WorkflowState: Str,
  RecordState: Str,
  Note: z.object({ Text: Str }).nullish(),
  Vulnerabilities: z.array(Vulnerability).nullish(),
  SourceUrl: Str,
});
type Finding = z.infer<typeof Finding>;

const SKIPPED_COMPLIANCE = new Set(["PASSED", "NOT_AVAILABLE"]);
const CONTAINER_RESOURCE = /container|ecr|ecs|eks/i;
const SECRET_TYPE = /^Sensitive Data Identifications\/.*(secur|credential|password|key|token)/i;
// ASFF names the vector's version in `Version` and often leaves the `CVSS:3.x/` prefix out
const BARE_V3 = /^AV:[NALP]\/AC:[LH]\/PR:/;
const OS_NOTE = / \(([^()]+)\)$/;
const NO_REMEDIATION = "None Provided";

function isAsffFinding(value: unknown): boolean {
  return (
    isRecord(value) &&
    value.SchemaVersion === SCHEMA_VERSION &&
    typeof value.Id === "string" &&
    typeof value.ProductArn === "string"
  );
}

function isEvent(value: unknown): value is { detail: { findings: unknown[] } } {
  return (
    isRecord(value) &&
    value.source === "aws.securityhub" &&
    isRecord(value.detail) &&
    Array.isArray(value.detail.findings)
  );
}

/** The findings of the document, or undefined when it is not an ASFF document. */
function findingsOf(doc: ReportDocument): unknown[] | undefined {
  if (doc.syntax === "json" && isRecord(doc.value) && Array.isArray(doc.value.Findings)) {
    const keys = Object.keys(doc.value);
    const list = doc.value.Findings;
    // `get-findings` output: an empty page has nothing but `Findings` and `NextToken`
    if (list.length === 0) return keys.every((k) => k === "Findings" || k === "NextToken") ? list : undefined;
    return isAsffFinding(list[0]) ? list : undefined;
  }
  if (doc.syntax === "json" && Array.isArray(doc.value)) {
    return doc.value.length === 0 || isAsffFinding(doc.value[0]) ? doc.value : undefined;
  }
  const records = recordsOf(doc);
  if (!records?.length) return undefined;
  if (records.every(isEvent)) return records.flatMap((e) => (isEvent(e) ? e.detail.findings : []));
  return isAsffFinding(records[0]) ? records : undefined;
}

function severityOf(f: Finding): Severity {
  const word = severityFromWord(f.Severity?.Label);
  if (word) return word;
  // ASFF's own bands for the 0-100 normalized score
  const n = f.Severity?.Normalized;
  if (n === undefined || n === null) return "info";
  if (n >= 90) return "critical";
  if (n >= 70) return "high";
  if (n >= 40) return "medium";
  if (n >= 1) return "low";
  return "info";
}

function cvssOf(v: Vulnerability): Cvss | undefined {
  return newestCvss(
    (v.Cvss ?? []).map((c) => {
      const vector = c.BaseVector ?? "";
      const prefixed =
        BARE_V3.test(vector) && (c.Version === "3.0" || c.Version === "3.1")
          ? `CVSS:${c.Version}/${vector}`
          : vector;
      return cvssFrom(prefixed, c.BaseScore);
    }),
  );
}

function imageOf(r: Resource | undefined): string | undefined {
  const ecr = r?.Details?.AwsEcrContainerImage;
  if (ecr?.RepositoryName) {
    const tag = ecr.ImageTags?.[0];
    if (tag) return `${ecr.RepositoryName}:${tag}`;
    if (ecr.ImageDigest) return `${ecr.RepositoryName}@${ecr.ImageDigest}`;
    return ecr.RepositoryName;
  }
  // Trivy names the image with its OS: `shop-web:2.0 (alpine 3.18.4)`
  return r?.Details?.Container?.ImageName?.replace(OS_NOTE, "") ?? undefined;
}

/**
 * The distro of an OS package: ASFF says only `PackageManager: "OS"`, but Inspector names its
 * advisory source (`DEBIAN_CVE`, `ALPINE_SECDB`) and Trivy its image OS (`(alpine 3.18.4)`).
 */
function distroOf(v: Vulnerability | undefined, r: Resource | undefined): string | undefined {
  const note = OS_NOTE.exec(r?.Details?.Container?.ImageName ?? "")?.[1];
  if (note) return note.split(/\s+/)[0];
  const vendor = v?.Vendor?.Name?.split("_")[0]?.toLowerCase();
  return vendor && vendor !== "nvd" ? vendor : undefined;
}

function productOf(f: Finding): string {
  const fields = f.ProductFields ?? {};
  const named = fields["aws/securityhub/ProductName"] ?? fields["Product Name"] ?? fields.ProviderName;
  return f.ProductName ?? (typeof named === "string" ? named : undefined) ?? "AWS Security Hub";
}

function categoryOf(
  f: Finding,
  vuln: Vulnerability | undefined,
  osPackage: boolean,
  resource: Resource | undefined,
): Category {
  if (vuln?.CodeVulnerabilities?.length) return "sast";
  if (vuln) {
    return osPackage || CONTAINER_RESOURCE.test(resource?.Type ?? "") ? "container" : "sca";
  }
  if (f.Types?.some((t) => SECRET_TYPE.test(t))) return "secret";
  return "iac";
}

function exploitOf(v: Vulnerability | undefined): FindingDraft["exploit"] {
  if (v?.LastKnownExploitAt) return "active";
  if (v?.ExploitAvailable === "YES") return "poc";
  if (v?.ExploitAvailable === "NO") return "none";
  return undefined;
}

function versionOf(p: VulnerablePackage): string | undefined {
  if (!p.Version) return undefined;
  const epoch = p.Epoch !== undefined && p.Epoch !== null && String(p.Epoch) !== "0" ? `${p.Epoch}:` : "";
  return `${epoch}${p.Version}${p.Release ? `-${p.Release}` : ""}`;
}

function otherText(other: Record<string, unknown> | null | undefined, key: string): string | undefined {
  const value = other?.[key];
  if (typeof value === "number") return String(value);
  return typeof value === "string" && value.trim() ? value.trim() : undefined;
}

/**
 * Trivy's `asff.tpl` predates the `Vulnerabilities` attribute: it writes the CVE and the package
 * into the resource's `Details.Other` map. Read as the equivalent `Vulnerabilities[0]`.
 */
function templateVulnerability(f: Finding, resource: Resource | undefined): Vulnerability | undefined {
  const other = resource?.Details?.Other;
  const id = otherText(other, "CVE ID");
  if (!id || !f.Types?.some((t) => t.includes("Vulnerabilities/CVE"))) return undefined;
  const name = otherText(other, "PkgName");
  const score = Number(otherText(other, "NvdCvssScoreV3"));
  return {
    Id: id,
    VulnerablePackages: name
      ? [
          {
            Name: name,
            // the target of an OS result carries the OS note: its packages are the distro's
            PackageManager: OS_NOTE.test(resource?.Id ?? "") ? "OS" : undefined,
            Version: otherText(other, "Installed Package"),
            FixedInVersion: otherText(other, "Patched Package"),
          },
        ]
      : [],
    Cvss: [
      {
        BaseVector: otherText(other, "NvdCvssVectorV3"),
        BaseScore: Number.isFinite(score) ? score : undefined,
      },
    ],
  };
}

function toFindings(f: Finding): NormalizedFinding[] {
  if (f.RecordState === "ARCHIVED") return [];
  const workflow = f.Workflow?.Status ?? f.WorkflowState;
  if (workflow === "RESOLVED") return [];
  if (SKIPPED_COMPLIANCE.has(f.Compliance?.Status ?? "")) return [];
  const resource = f.Resources?.[0];
  const vuln = f.Vulnerabilities?.[0] ?? templateVulnerability(f, resource);
  const code = vuln?.CodeVulnerabilities?.[0];
  const ruleId = vuln?.Id ?? f.Compliance?.SecurityControlId ?? f.GeneratorId ?? f.Id;
  const vulnId = vuln ? canonicalVulnId(vuln.Id) : undefined;
  const base: FindingDraft = {
    category: "iac",
    tool: { name: productOf(f) },
    rule: { id: ruleId, name: f.Title ?? undefined },
    title: f.Title ?? ruleId,
    description: f.Description ?? undefined,
    severity: severityOf(f),
    rawSeverity:
      f.Severity?.Label ??
      f.Severity?.Original ??
      (typeof f.Severity?.Normalized === "number" ? `normalized=${f.Severity.Normalized}` : undefined),
    cvss: vuln ? cvssOf(vuln) : undefined,
    vulnerability:
      vulnId && !code
        ? { id: vulnId, aliases: (vuln?.RelatedVulnerabilities ?? []).map(canonicalVulnId) }
        : undefined,
    cwes: code?.Cwes ?? [],
    location: {
      resource: resource?.Id,
      image: imageOf(resource),
      file: code?.FilePath?.FilePath ?? undefined,
      startLine: code?.FilePath?.StartLine ?? undefined,
      endLine: code?.FilePath?.EndLine ?? undefined,
    },
    fingerprints: { "asff/id": f.Id },
    toolId: f.Id,
    exploit: exploitOf(vuln),
    remediation:
      f.Remediation?.Recommendation?.Text && f.Remediation.Recommendation.Text !== NO_REMEDIATION
        ? f.Remediation.Recommendation.Text
        : undefined,
    references: [
      f.Remediation?.Recommendation?.Url ?? undefined,
      vuln?.Vendor?.Url ?? undefined,
      ...(vuln?.ReferenceUrls ?? []),
      f.SourceUrl ?? undefined,
    ],
    tags: [
      resource?.Type,
      ...(f.Types ?? []).map((t) => `type:${t}`),
      f.AwsAccountId !== undefined && f.AwsAccountId !== null ? `account:${f.AwsAccountId}` : undefined,
      resource?.Region ? `region:${resource.Region}` : undefined,
      vuln?.EpssScore !== undefined && vuln?.EpssScore !== null ? `epss:${vuln.EpssScore}` : undefined,
      vuln?.FixAvailable ? `fix-available:${vuln.FixAvailable}` : undefined,
    ],
    suppressed:
      workflow === "SUPPRESSED"
        ? { kind: "suppressed", justification: f.Note?.Text ?? undefined }
        : undefined,
  };
  const packages = code ? [] : (vuln?.VulnerablePackages ?? []);
  if (!packages.length) return [makeFinding({ ...base, category: categoryOf(f, vuln, false, resource) })];
  return packages.map((p) => {
    const version = versionOf(p);
    const manager = p.PackageManager?.toUpperCase() === "OS" ? distroOf(vuln, resource) : p.PackageManager;
    const { type, purl, os } = purlFromEcosystem(manager ?? undefined, p.Name, version);
    const file = p.FilePath ?? undefined;
    return makeFinding({
      ...base,
      category: categoryOf(f, vuln, os, resource),
      title: f.Title ?? `${ruleId} in ${p.Name}`,
      package: {
        purl,
        ecosystem: type,
        name: p.Name,
        version,
        fixedVersions: p.FixedInVersion && p.FixedInVersion !== "NotAvailable" ? [p.FixedInVersion] : [],
        manifest: os ? undefined : file,
      },
      location: { ...base.location, file },
      // one ASFF finding may list several packages
      fingerprints:
        packages.length > 1 ? { "asff/id": `${f.Id}#${p.Name}@${version ?? ""}` } : base.fingerprints,
      remediation: base.remediation ?? p.Remediation ?? undefined,
    });
  });
}

/**
 * A clean run: `[]` (Trivy's older template, BatchImportFindings arrays; other tools write
 * it too, so it needs --format), or an empty `get-findings` page or current template `{"Findings": []}`.
 */
const isEmptyAsff = anyOf(emptyArray, emptyList("Findings", { extraKeys: (k) => k === "NextToken" }));

export const awsSecurityHubAsff: ReportFormat = {
  id: FORMAT,
  tools:
    "AWS Security Hub (ASFF 2018-10-08): get-findings output, BatchImportFindings arrays (Trivy asff.tpl, Prowler, custom integrations), EventBridge finding events",
  description: "AWS Security Finding Format: controls, package and code vulnerabilities, sensitive data",
  detect(doc: ReportDocument): boolean {
    return findingsOf(doc) !== undefined && !isEmptyAsff(doc);
  },
  isEmptyReport: isEmptyAsff,
  parse(doc: ReportDocument): ParsedReport {
    const findings: NormalizedFinding[] = [];
    (findingsOf(doc) ?? []).forEach((raw, i) => {
      findings.push(...toFindings(parseShape(Finding, raw, FORMAT, `Findings[${i}]`)));
    });
    const names = [...new Set(findings.map((f) => f.tool.name))];
    return { tool: { name: names.length === 1 && names[0] ? names[0] : "AWS Security Hub" }, findings };
  },
};
