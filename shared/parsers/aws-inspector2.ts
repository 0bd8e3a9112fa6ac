import { z } from "zod";
import type { Category, Cvss, Location, NormalizedFinding } from "#shared/domain/finding";
import { buildPurl, purlTypeFor } from "#shared/domain/purl";
import { severityFromScore, severityFromWord } from "#shared/domain/severity";
import { canonicalVulnId } from "#shared/domain/vulnerability-id";
import { isRecord, type ReportDocument, recordsOf } from "./document.ts";
import { anyOf, emptyFile, emptyList } from "./empty-report.ts";
import { type FindingDraft, makeFinding } from "./finding-builder.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { parseShape } from "./shape.ts";

/**
 * Amazon Inspector (v2) findings: `aws inspector2 list-findings` output (`{"findings": [...]}`), a bare
 * array or JSON Lines of findings, or EventBridge `Inspector2 Finding` events (their `detail`; other
 * Inspector2 event types are not findings and are skipped).
 *
 * One finding per Inspector finding x vulnerable package. CLOSED findings are not emitted; SUPPRESSED
 * ones are kept and marked suppressed. Category: CODE_VULNERABILITY -> sast; NETWORK_REACHABILITY
 * (an open port path to an EC2 instance, a cloud-configuration issue) -> iac; PACKAGE_VULNERABILITY
 * -> container for OS packages of an ECR image, sca otherwise (language packages in images, Lambda,
 * EC2). Severity: CRITICAL/HIGH/MEDIUM/LOW/INFORMATIONAL; UNTRIAGED (no vendor rating yet) falls back
 * to the inspectorScore band, else info.
 */

const FORMAT = "aws-inspector2-json";
const Str = z.string().nullish();

const CvssScore = z.object({
  baseScore: z.number().nullish(),
  scoringVector: Str,
  version: Str,
  source: Str,
});
type CvssScore = z.infer<typeof CvssScore>;

const VulnerablePackage = z.object({
  name: z.string(),
  version: Str,
  epoch: z.number().nullish(),
  release: Str,
  arch: Str,
  packageManager: Str,
  filePath: Str,
  fixedInVersion: Str,
  remediation: Str,
});
type VulnerablePackage = z.infer<typeof VulnerablePackage>;

const Resource = z.object({
  type: z.string(),
  id: z.string(),
  details: z
    .object({
      awsEcrContainerImage: z
        .object({
          repositoryName: Str,
          imageTags: z.array(z.string()).nullish(),
          imageHash: Str,
          platform: Str,
        })
        .nullish(),
      awsEc2Instance: z.object({ platform: Str }).nullish(),
    })
    .nullish(),
});
type Resource = z.infer<typeof Resource>;

const Finding = z.object({
  findingArn: z.string(),
  awsAccountId: Str,
  type: z.string(),
  title: Str,
  description: Str,
  severity: z.string(),
  status: z.string(),
  inspectorScore: z.number().nullish(),
  inspectorScoreDetails: z.object({ adjustedCvss: CvssScore.nullish() }).nullish(),
  exploitAvailable: Str,
  exploitabilityDetails: z.object({ lastKnownExploitAt: z.unknown() }).nullish(),
  epss: z.object({ score: z.number().nullish() }).nullish(),
  remediation: z.object({ recommendation: z.object({ text: Str, Url: Str }).nullish() }).nullish(),
  resources: z.array(Resource).nullish(),
  packageVulnerabilityDetails: z
    .object({
      vulnerabilityId: z.string(),
      relatedVulnerabilities: z.array(z.string()).nullish(),
      source: Str,
      sourceUrl: Str,
      vendorSeverity: Str,
      cvss: z.array(CvssScore).nullish(),
      referenceUrls: z.array(z.string()).nullish(),
      vulnerablePackages: z.array(VulnerablePackage).nullish(),
    })
    .nullish(),
  codeVulnerabilityDetails: z
    .object({
      cwes: z.array(z.string()).nullish(),
      detectorId: Str,
      detectorName: Str,
      detectorTags: z.array(z.string()).nullish(),
      ruleId: Str,
      referenceUrls: z.array(z.string()).nullish(),
      filePath: z
        .object({
          filePath: Str,
          fileName: Str,
          startLine: z.number().nullish(),
          endLine: z.number().nullish(),
        })
        .nullish(),
    })
    .nullish(),
  networkReachabilityDetails: z
    .object({
      protocol: Str,
      openPortRange: z.object({ begin: z.number(), end: z.number() }).nullish(),
    })
    .nullish(),
});
type Finding = z.infer<typeof Finding>;

// Inspector packageManager words purlTypeFor does not know
const PACKAGE_MANAGER_TYPE: Record<string, string> = {
  pythonpkg: "pypi",
  nodepkg: "npm",
  pom: "maven",
  dotnet_core: "nuget",
};
// `OS` packages take their purl type from the resource's platform (AMAZON_LINUX_2, UBUNTU_22_04, …)
const OS_PLATFORMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/UBUNTU|DEBIAN/, "deb"],
  [/ALPINE/, "apk"],
  [/AMAZON|RHEL|RED_?HAT|CENTOS|ORACLE|ROCKY|ALMA|FEDORA|SUSE|SLES|PHOTON|MARINER/, "rpm"],
];
const FINDING_ARN = /^arn:[\w-]+:inspector2:/;
// Inspector's placeholders for "no fixed version" and "no recommendation"
const NO_FIX = "NotAvailable";
const NO_RECOMMENDATION = "None Provided";
const CVSS_VERSIONS: Record<string, Cvss["version"]> = {
  "2.0": "2.0",
  "3.0": "3.0",
  "3.1": "3.1",
  "4.0": "4.0",
};

function cvssOf(s: CvssScore | null | undefined): Cvss | undefined {
  const version = s?.version ? CVSS_VERSIONS[s.version] : undefined;
  if (!s || !version) return undefined;
  return { version, vector: s.scoringVector ?? undefined, score: s.baseScore ?? undefined };
}

/** The newest CVSS version listed; among equals, the one from the vulnerability's own source. */
function bestCvss(f: Finding): Cvss | undefined {
  const details = f.packageVulnerabilityDetails;
  let best: { cvss: Cvss; own: boolean } | undefined;
  for (const s of details?.cvss ?? []) {
    const cvss = cvssOf(s);
    if (!cvss) continue;
    const own = s.source === details?.source;
    if (
      !best ||
      cvss.version > best.cvss.version ||
      (cvss.version === best.cvss.version && own && !best.own)
    ) {
      best = { cvss, own };
    }
  }
  return best?.cvss ?? cvssOf(f.inspectorScoreDetails?.adjustedCvss);
}

function platformOf(r: Resource | undefined): string {
  return (
    r?.details?.awsEcrContainerImage?.platform ??
    r?.details?.awsEc2Instance?.platform ??
    ""
  ).toUpperCase();
}

function purlTypeOf(p: VulnerablePackage, platform: string): string | undefined {
  const manager = p.packageManager?.toLowerCase();
  if (!manager) return undefined;
  if (manager === "os") return OS_PLATFORMS.find(([re]) => re.test(platform))?.[1];
  return PACKAGE_MANAGER_TYPE[manager] ?? purlTypeFor(manager);
}

function packageOf(p: VulnerablePackage, platform: string): NonNullable<FindingDraft["package"]> {
  const type = purlTypeOf(p, platform);
  // OS packages: version-release, with the epoch as the purl qualifier and as the `epoch:` prefix
  const base = p.version ? `${p.version}${p.release ? `-${p.release}` : ""}` : undefined;
  const qualifiers: Record<string, string> = {};
  if (p.epoch) qualifiers.epoch = String(p.epoch);
  if (p.arch) qualifiers.arch = p.arch;
  return {
    purl: type
      ? buildPurl(type, p.name, base, undefined, Object.keys(qualifiers).length ? qualifiers : undefined)
      : undefined,
    ecosystem: type,
    name: p.name,
    version: base && p.epoch ? `${p.epoch}:${base}` : base,
    fixedVersions: p.fixedInVersion && p.fixedInVersion !== NO_FIX ? [p.fixedInVersion] : [],
  };
}

function imageOf(r: Resource | undefined): string | undefined {
  const image = r?.details?.awsEcrContainerImage;
  if (!image?.repositoryName) return undefined;
  const tag = image.imageTags?.[0];
  if (tag) return `${image.repositoryName}:${tag}`;
  return image.imageHash ? `${image.repositoryName}@${image.imageHash}` : image.repositoryName;
}

function exploitOf(f: Finding): FindingDraft["exploit"] {
  if (f.exploitabilityDetails?.lastKnownExploitAt) return "active";
  if (f.exploitAvailable === "YES") return "poc";
  return f.exploitAvailable === "NO" ? "none" : undefined;
}

/** What every finding of one Inspector finding shares: type, severity, resource, fingerprints. */
function baseDraft(f: Finding): FindingDraft {
  const resource = f.resources?.[0];
  const cvss = bestCvss(f);
  const score = f.inspectorScore ?? cvss?.score;
  const severity =
    severityFromWord(f.severity) ??
    (score !== undefined && score !== null ? severityFromScore(score) : "info");
  const raw = [
    `severity=${f.severity}`,
    f.inspectorScore != null ? `inspectorScore=${f.inspectorScore}` : undefined,
    f.packageVulnerabilityDetails?.vendorSeverity
      ? `vendorSeverity=${f.packageVulnerabilityDetails.vendorSeverity}`
      : undefined,
  ];
  const epss = f.epss?.score;
  const recommendation = f.remediation?.recommendation?.text;
  const draft: FindingDraft = {
    category: "sca",
    tool: { name: "Amazon Inspector" },
    rule: { id: f.type },
    title: f.title || f.type,
    description: f.description ?? undefined,
    severity,
    rawSeverity: raw.filter(Boolean).join(" "),
    cvss,
    location: { resource: resource?.id },
    exploit: exploitOf(f),
    toolId: f.findingArn,
    fingerprints: { "inspector2/finding": f.findingArn },
    remediation: recommendation && recommendation !== NO_RECOMMENDATION ? recommendation : undefined,
    references: [f.remediation?.recommendation?.Url ?? undefined],
    tags: [resource?.type, epss != null ? `epss:${epss}` : undefined],
  };
  if (f.status === "SUPPRESSED") draft.suppressed = { kind: "suppression-rule" };
  return draft;
}

function packageFindings(f: Finding, draft: FindingDraft): NormalizedFinding[] {
  const details = f.packageVulnerabilityDetails;
  const resource = f.resources?.[0];
  const platform = platformOf(resource);
  const image = imageOf(resource);
  const common: FindingDraft = {
    ...draft,
    rule: { id: details ? canonicalVulnId(details.vulnerabilityId) : f.type },
    vulnerability: details
      ? { id: details.vulnerabilityId, aliases: details.relatedVulnerabilities ?? [] }
      : undefined,
    references: [
      ...(draft.references ?? []),
      details?.sourceUrl ?? undefined,
      ...(details?.referenceUrls ?? []),
    ],
  };
  const packages = details?.vulnerablePackages ?? [];
  if (packages.length === 0) return [makeFinding({ ...common, location: { ...common.location, image } })];
  return packages.map((p) => {
    const pkg = packageOf(p, platform);
    const category: Category = image && p.packageManager?.toUpperCase() === "OS" ? "container" : "sca";
    const location: Location = { ...common.location, image, file: p.filePath ?? undefined };
    return makeFinding({
      ...common,
      category,
      package: pkg,
      location,
      // one Inspector finding may list several packages: each one is its own finding
      fingerprints: {
        "inspector2/finding": `${f.findingArn}#${pkg.name}@${pkg.version ?? ""}@${p.filePath ?? ""}`,
      },
      remediation: common.remediation ?? p.remediation ?? undefined,
    });
  });
}

function codeFinding(f: Finding, draft: FindingDraft): NormalizedFinding {
  const code = f.codeVulnerabilityDetails;
  const file = code?.filePath;
  return makeFinding({
    ...draft,
    category: "sast",
    rule: {
      id: code?.ruleId || code?.detectorId || f.title || f.type,
      name: code?.detectorName ?? undefined,
    },
    cwes: code?.cwes ?? [],
    location: {
      ...draft.location,
      file: file?.filePath ?? file?.fileName ?? undefined,
      startLine: file?.startLine ?? undefined,
      endLine: file?.endLine ?? undefined,
    },
    references: [...(draft.references ?? []), ...(code?.referenceUrls ?? [])],
    tags: [...(draft.tags ?? []), ...(code?.detectorTags ?? [])],
  });
}

function networkFinding(f: Finding, draft: FindingDraft): NormalizedFinding {
  const net = f.networkReachabilityDetails;
  const ports = net?.openPortRange;
  const id = ports ? `network-reachability/${net?.protocol ?? "any"}/${ports.begin}-${ports.end}` : f.type;
  return makeFinding({ ...draft, category: "iac", rule: { id, name: f.title ?? undefined } });
}

function toFindings(f: Finding): NormalizedFinding[] {
  if (f.status === "CLOSED") return [];
  const draft = baseDraft(f);
  if (f.type === "CODE_VULNERABILITY") return [codeFinding(f, draft)];
  if (f.type === "NETWORK_REACHABILITY") return [networkFinding(f, draft)];
  return packageFindings(f, draft);
}

function isFinding(value: unknown): boolean {
  return isRecord(value) && typeof value.findingArn === "string" && FINDING_ARN.test(value.findingArn);
}

function isEvent(value: unknown): value is Record<string, unknown> {
  return isRecord(value) && value.source === "aws.inspector2" && isRecord(value.detail);
}

/** The raw findings of the document, each with where it sits for error messages. */
function rawFindings(doc: ReportDocument): Array<{ raw: unknown; where: string }> {
  if (doc.syntax === "json" && isRecord(doc.value) && Array.isArray(doc.value.findings)) {
    return doc.value.findings.map((raw, i) => ({ raw, where: `findings[${i}]` }));
  }
  const out: Array<{ raw: unknown; where: string }> = [];
  (recordsOf(doc) ?? []).forEach((record, i) => {
    if (!isEvent(record)) out.push({ raw: record, where: `[${i}]` });
    else if (record["detail-type"] === "Inspector2 Finding")
      out.push({ raw: record.detail, where: `[${i}].detail` });
  });
  return out;
}

export const awsInspector2Json: ReportFormat = {
  id: FORMAT,
  tools:
    "Amazon Inspector (v2): `aws inspector2 list-findings`, findings exports, EventBridge finding events",
  description:
    "Amazon Inspector findings: package (ECR, Lambda, EC2), code and network reachability findings",
  detect(doc: ReportDocument): boolean {
    if (doc.syntax === "json" && isRecord(doc.value) && Array.isArray(doc.value.findings)) {
      return isFinding(doc.value.findings[0]);
    }
    const records = recordsOf(doc);
    return records !== undefined && records.length > 0 && (isFinding(records[0]) || isEvent(records[0]));
  },
  // an empty list-findings page (nothing but its keys), or an empty stream of finding events
  isEmptyReport: anyOf(emptyList("findings", { extraKeys: (k) => k === "nextToken" }), emptyFile),
  parse(doc: ReportDocument): ParsedReport {
    const findings: NormalizedFinding[] = [];
    for (const { raw, where } of rawFindings(doc))
      findings.push(...toFindings(parseShape(Finding, raw, FORMAT, where)));
    return { tool: { name: "Amazon Inspector" }, findings };
  },
};
