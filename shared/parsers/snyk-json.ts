import { z } from "zod";
import { imageArtifact, pathArtifact } from "#shared/domain/artifact";
import type { Category, NormalizedFinding, Severity } from "#shared/domain/finding";
import { severityFromScore, severityFromWord } from "#shared/domain/severity";
import { cvssFrom } from "./cvss-vector.ts";
import { isRecord, type ReportDocument } from "./document.ts";
import { purlFromEcosystem } from "./ecosystem-purl.ts";
import { type FindingDraft, makeFinding } from "./finding-builder.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { ParseError } from "./parse-error.ts";
import { parseShape } from "./shape.ts";

/**
 * Snyk CLI JSON: `snyk test --json` (one project object), `--all-projects` (an array of them) and
 * `snyk container test --json` (OS vulnerabilities plus `applications[]`, each a project of its own).
 *
 * Snyk repeats a vulnerability once per dependency path (`from`). We emit ONE finding per
 * (vulnerability id, package, version, project) and keep the path count as a `paths:N` tag; the
 * package is direct when any path has length 2 (project → package). License issues are not security
 * findings and are skipped. Ignored issues (`filtered.ignore`) and patched ones (`filtered.patch`)
 * are kept, grouped the same way, and marked suppressed with the ignore reason.
 *
 * Severity: severityWithCritical, else severity (critical/high/medium/low); else the CVSS score
 * band. Exploit maturity: Mature → active, Proof of Concept → poc, No Known Exploit → none.
 * Reachability: function/reachable → reachable, not-reachable → unreachable, package → unknown.
 */

const FORMAT = "snyk-json";

const Vulnerability = z.object({
  id: z.string().min(1),
  type: z.string().optional(),
  title: z.string().optional(),
  description: z.string().optional(),
  packageName: z.string().optional(),
  name: z.string().optional(),
  version: z.string().optional(),
  packageManager: z.string().optional(),
  severity: z.string().optional(),
  severityWithCritical: z.string().optional(),
  cvssScore: z.number().nullish(),
  CVSSv3: z.string().nullish(),
  identifiers: z.record(z.string(), z.array(z.union([z.string(), z.number()])).nullish()).nullish(),
  exploit: z.string().optional(),
  exploitMaturity: z.string().optional(),
  isUpgradable: z.boolean().optional(),
  upgradePath: z.array(z.union([z.string(), z.boolean()])).nullish(),
  fixedIn: z.array(z.string()).nullish(),
  nearestFixedInVersion: z.string().nullish(),
  from: z.array(z.string()).nullish(),
  isReachable: z.boolean().optional(),
  reachability: z.string().optional(),
  malicious: z.boolean().optional(),
  references: z.array(z.object({ url: z.string().optional() })).nullish(),
  filtered: z
    .object({
      ignored: z.array(z.object({ reason: z.string().optional() })).nullish(),
      patches: z.array(z.unknown()).nullish(),
    })
    .nullish(),
});
type Vulnerability = z.infer<typeof Vulnerability>;

const Project = z.object({
  vulnerabilities: z.array(z.unknown()),
  packageManager: z.string().optional(),
  projectName: z.string().optional(),
  displayTargetFile: z.string().nullish(),
  targetFile: z.string().nullish(),
  path: z.string().optional(),
  docker: z.object({ baseImage: z.string().nullish() }).nullish(),
  applications: z.array(z.unknown()).nullish(),
  filtered: z
    .object({ ignore: z.array(z.unknown()).nullish(), patch: z.array(z.unknown()).nullish() })
    .nullish(),
});
type Project = z.infer<typeof Project>;

const EXPLOIT: Record<string, "active" | "poc" | "none"> = {
  mature: "active",
  "proof-of-concept": "poc",
  "no-known-exploit": "none",
};
type Reachability = "reachable" | "unreachable" | "unknown";
const REACHABILITY: Record<string, Reachability> = {
  function: "reachable",
  reachable: "reachable",
  package: "unknown",
  "potentially-reachable": "unknown",
  "not-reachable": "unreachable",
};
const REACH_RANK: Record<Reachability, number> = { unreachable: 1, unknown: 2, reachable: 3 };
const OS_MANAGERS = new Set(["apk", "deb", "rpm", "linux"]);

interface Scope {
  tool: ParsedReport["tool"];
  category: Category;
  image?: string;
  manifest?: string;
  baseImage?: string;
}

/** Every dependency path of one vulnerability in one package version. */
interface Group {
  v: Vulnerability;
  name: string;
  paths: number;
  direct?: boolean;
  upgrades: Set<string>;
  /** The vulnerable package's own version at the end of each path's upgrade. */
  fixes: Set<string>;
  reachability?: Reachability;
}

function isProject(value: unknown): boolean {
  return isRecord(value) && Array.isArray(value.vulnerabilities) && typeof value.packageManager === "string";
}

function detect(doc: ReportDocument): boolean {
  if (doc.syntax !== "json") return false;
  const v = doc.value;
  // `--all-projects` lists a project that failed to scan as `{ ok: false, error }`
  if (Array.isArray(v))
    return v.some(isProject) && v.every((p) => isProject(p) || (isRecord(p) && "error" in p));
  return isProject(v);
}

function severityOf(v: Vulnerability): Severity {
  const word = severityFromWord(v.severityWithCritical ?? v.severity);
  if (word) return word;
  return typeof v.cvssScore === "number" ? severityFromScore(v.cvssScore) : "info";
}

/** `Upgrade nodemon@1.19.4 to nodemon@2.0.3`: the first hop of the path the upgrade changes. */
function upgradeOf(v: Vulnerability): string | undefined {
  if (!v.isUpgradable || !v.upgradePath || !v.from) return undefined;
  for (let i = 1; i < v.upgradePath.length; i++) {
    const to = v.upgradePath[i];
    const from = v.from[i];
    if (typeof to === "string" && from) return from === to ? undefined : `${from} to ${to}`;
  }
  return undefined;
}

/**
 * The version the upgrade path brings the vulnerable package itself to: its last hop names it
 * (`commons-fileupload:commons-fileupload@1.3.2`). Reports without `fixedIn` (older CLIs, sbt and
 * maven) give the fix only this way.
 */
function pathFixOf(v: Vulnerability, name: string): string | undefined {
  if (!v.isUpgradable || !v.upgradePath?.length) return undefined;
  const last = v.upgradePath[v.upgradePath.length - 1];
  if (typeof last !== "string") return undefined;
  const at = last.lastIndexOf("@");
  if (at <= 0 || last.slice(0, at) !== name) return undefined;
  const version = last.slice(at + 1);
  return version && version !== v.version ? version : undefined;
}

function reachabilityOf(v: Vulnerability): Reachability | undefined {
  if (v.reachability) return REACHABILITY[v.reachability];
  return v.isReachable === true ? "reachable" : undefined;
}

function groupPaths(list: readonly unknown[], where: string, os: boolean): Group[] {
  const groups = new Map<string, Group>();
  list.forEach((raw, i) => {
    const at = `${where}[${i}]`;
    const v = parseShape(Vulnerability, raw, FORMAT, at);
    if (v.type === "license") return;
    const name = v.packageName ?? v.name;
    if (!name) throw new ParseError("unexpected report shape: a vulnerability names no package", FORMAT, at);
    const key = `${v.id}\u0000${name}\u0000${v.version ?? ""}`;
    let group = groups.get(key);
    if (!group) {
      group = { v, name, paths: 0, upgrades: new Set(), fixes: new Set() };
      groups.set(key, group);
    }
    group.paths++;
    // every OS package hangs off the image itself, so "direct" says nothing there
    if (!os && v.from) group.direct = group.direct === true || v.from.length === 2;
    const upgrade = upgradeOf(v);
    if (upgrade) group.upgrades.add(upgrade);
    const fix = pathFixOf(v, name);
    if (fix) group.fixes.add(fix);
    const reach = reachabilityOf(v);
    if (reach && (!group.reachability || REACH_RANK[reach] > REACH_RANK[group.reachability])) {
      group.reachability = reach;
    }
  });
  return [...groups.values()];
}

function toDraft(g: Group, scope: Scope, projectManager: string | undefined): FindingDraft {
  const v = g.v;
  const ids = v.identifiers ?? {};
  const aliases: string[] = [];
  for (const [kind, values] of Object.entries(ids)) {
    if (kind === "CWE") continue;
    // numeric ids (NSP advisories) are not ids anyone else uses
    for (const value of values ?? []) if (typeof value === "string") aliases.push(value);
  }
  const exploitWord = (v.exploitMaturity ?? v.exploit)?.trim().toLowerCase().replace(/\s+/g, "-");
  const ecosystem = purlFromEcosystem(v.packageManager ?? projectManager, g.name, v.version);
  // the advisory's fixed versions, else its nearest one, else where each path's upgrade leads
  const fixed = v.fixedIn?.length
    ? v.fixedIn
    : v.nearestFixedInVersion
      ? [v.nearestFixedInVersion]
      : [...g.fixes].sort();
  const upgrades = [...g.upgrades];
  return {
    category: scope.category,
    tool: scope.tool,
    rule: { id: v.id, name: v.title },
    title: v.title ?? v.id,
    description: v.description,
    severity: severityOf(v),
    rawSeverity: v.severityWithCritical ?? v.severity,
    cvss: cvssFrom(v.CVSSv3, v.cvssScore),
    vulnerability: { id: v.id, aliases },
    cwes: (ids.CWE ?? []).map(String),
    package: {
      purl: ecosystem.purl,
      ecosystem: ecosystem.type,
      name: g.name,
      version: v.version,
      fixedVersions: fixed,
      direct: g.direct,
      manifest: scope.manifest,
    },
    location: { file: scope.manifest, image: scope.image },
    reachability: g.reachability,
    exploit: exploitWord ? EXPLOIT[exploitWord] : undefined,
    remediation: upgrades.length ? `Upgrade ${upgrades.join("; ")}` : undefined,
    references: (v.references ?? []).map((r) => r.url),
    tags: [
      `paths:${g.paths}`,
      v.malicious ? "malicious" : undefined,
      scope.baseImage ? `base-image:${scope.baseImage}` : undefined,
    ],
  };
}

function emitProject(project: Project, where: string, scope: Scope, out: NormalizedFinding[]): void {
  const os = scope.category === "container";
  for (const g of groupPaths(project.vulnerabilities, `${where}vulnerabilities`, os)) {
    out.push(makeFinding(toDraft(g, scope, project.packageManager)));
  }
  const lists = [
    ["ignore", "ignored", project.filtered?.ignore],
    ["patch", "patched", project.filtered?.patch],
  ] as const;
  for (const [key, kind, list] of lists) {
    for (const g of groupPaths(list ?? [], `${where}filtered.${key}`, os)) {
      const draft = toDraft(g, scope, project.packageManager);
      draft.suppressed = { kind, justification: g.v.filtered?.ignored?.[0]?.reason };
      out.push(makeFinding(draft));
    }
  }
}

function parseProject(
  raw: unknown,
  where: string,
  out: NormalizedFinding[],
): Pick<ParsedReport, "tool" | "artifact"> | undefined {
  if (isRecord(raw) && "error" in raw && !("vulnerabilities" in raw)) return undefined;
  const project = parseShape(Project, raw, FORMAT, where || undefined);
  const prefix = where ? `${where}.` : "";
  const container = Boolean(project.docker) || OS_MANAGERS.has(project.packageManager ?? "");
  const tool = { name: container ? "Snyk Container" : "Snyk Open Source" };
  const manifest = project.displayTargetFile ?? project.targetFile ?? undefined;
  if (!container) {
    emitProject(project, prefix, { tool, category: "sca", manifest }, out);
    return { tool, artifact: pathArtifact(manifest) };
  }
  // `snyk container test <image>` puts the image in `path`; the project name is `docker-image|<name>`
  const image = project.path ?? project.projectName?.replace(/^docker-image\|/, "");
  const baseImage = project.docker?.baseImage ?? undefined;
  emitProject(project, prefix, { tool, category: "container", image, baseImage }, out);
  (project.applications ?? []).forEach((rawApp, i) => {
    const at = `${prefix}applications[${i}]`;
    const app = parseShape(Project, rawApp, FORMAT, at);
    const appManifest = app.displayTargetFile ?? app.targetFile ?? undefined;
    emitProject(app, `${at}.`, { tool, category: "sca", image, manifest: appManifest, baseImage }, out);
  });
  return { tool, artifact: imageArtifact(image) };
}

function parse(doc: ReportDocument): ParsedReport {
  const value = doc.syntax === "json" ? doc.value : undefined;
  const findings: NormalizedFinding[] = [];
  const projects = Array.isArray(value)
    ? value.map((p, i) => parseProject(p, `[${i}]`, findings))
    : [parseProject(value, "", findings)];
  const names = [...new Set(projects.flatMap((p) => (p ? [p.tool.name] : [])))];
  // one project names its manifest or image; `--all-projects` lists a set that a failing project changes
  const artifact = Array.isArray(value) ? undefined : projects[0]?.artifact;
  return {
    tool: { name: names.length === 1 && names[0] ? names[0] : "Snyk" },
    findings,
    ...(artifact ? { artifact } : {}),
  };
}

export const snykJson: ReportFormat = {
  id: FORMAT,
  tools: "Snyk CLI (`snyk test --json`, `--all-projects`, `snyk container test --json`)",
  description:
    "Snyk JSON: one finding per vulnerability and package version per project (paths counted), ignores kept as suppressed",
  detect,
  parse,
};
