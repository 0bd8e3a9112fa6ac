import type { NormalizedFinding } from "./finding.ts";
import { shortHash } from "./hash.ts";
import { repoRelative } from "./path.ts";
import { parsePurl } from "./purl.ts";
import { canonicalVulnId, isCve, preferredVulnId } from "./vulnerability-id.ts";

/**
 * Identity of a finding (DESIGN §6): finding id = hash(app, category, correlation key). Keys are
 * built from stable facts only, never from free text.
 */

/** Learned aliases: non-CVE id → CVE (a GHSA or OSV id that lists a CVE alias is that CVE). */
export type AliasMap = Map<string, string>;

/** Records every id → CVE link the finding states, so later reports naming only the alias agree. */
export function learnAliases(finding: NormalizedFinding, aliases: AliasMap): void {
  const v = finding.vulnerability;
  if (!v) return;
  const ids = [v.id, ...v.aliases].map(canonicalVulnId);
  const cve = ids.filter(isCve).sort()[0];
  if (!cve) return;
  for (const id of ids) if (!isCve(id) && !aliases.has(id)) aliases.set(id, cve);
}

/** The canonical vulnerability id: a CVE when the finding or any learned alias names one. */
export function canonicalVulnerability(finding: NormalizedFinding, aliases: AliasMap): string | undefined {
  const v = finding.vulnerability;
  if (!v) return undefined;
  const ids = [v.id, ...v.aliases].map(canonicalVulnId);
  const cve = ids.filter(isCve).sort()[0];
  if (cve) return cve;
  for (const id of ids) {
    const learned = aliases.get(id);
    if (learned) return learned;
  }
  return preferredVulnId(ids);
}

const OS_TYPES = new Set(["apk", "deb", "rpm", "alpm", "ebuild"]);

/**
 * Package identity without version. The ecosystem is left out and OS packages drop their distro
 * namespace, because some tools (Trivy SARIF, Snyk container) do not report them: `musl` from one
 * tool and `pkg:apk/alpine/musl` from another are the same package in the same app.
 */
export function packageKey(finding: Pick<NormalizedFinding, "package">): string | undefined {
  const pkg = finding.package;
  if (!pkg) return undefined;
  const parts = pkg.purl ? parsePurl(pkg.purl) : undefined;
  if (parts) {
    const base =
      !parts.namespace || OS_TYPES.has(parts.type) ? parts.name : `${parts.namespace}/${parts.name}`;
    return normalizePackageName(base, parts.type);
  }
  return normalizePackageName(pkg.name.replace(/:/g, "/"), pkg.ecosystem);
}

function normalizePackageName(name: string, type: string | undefined): string {
  const lower = name.trim().toLowerCase();
  return type === "pypi" ? lower.replace(/[-_.]+/g, "-") : lower;
}

/** DAST endpoint: path with ids (numbers, UUIDs, long hex) replaced, no query values. */
export function normalizeEndpoint(url: string): string {
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url.split(/[?#]/)[0] ?? url;
  }
  return (
    path
      .split("/")
      .map((seg) =>
        /^\d+$/.test(seg) ||
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(seg) ||
        /^[0-9a-f]{16,}$/i.test(seg)
          ? "{id}"
          : seg,
      )
      .join("/")
      .replace(/\/+$/, "") || "/"
  );
}

/** Fingerprint names that tools promise to keep stable across line shifts and re-runs. */
const STABLE_FINGERPRINTS = [
  "primaryLocationLineHash",
  "matchBasedId/v1",
  "semgrep",
  "fingerprint",
  "similarity_id",
  "similarityId",
  "brakeman",
];

function stableFingerprint(finding: NormalizedFinding): string | undefined {
  for (const name of STABLE_FINGERPRINTS) {
    const value = finding.fingerprints[name];
    if (value) return `${name}=${value}`;
  }
  return undefined;
}

const AVD = /\bAVD-[A-Z]+-\d{4}\b/;

/** IaC rule ids: Trivy and tfsec share AVD ids (`AVD-AWS-0086`); others keep tool + rule. */
function iacRule(finding: NormalizedFinding): string {
  const avd = AVD.exec(finding.rule.id)?.[0] ?? finding.tags.map((t) => AVD.exec(t)?.[0]).find(Boolean);
  return avd ?? `${finding.tool.name.toLowerCase()}:${finding.rule.id}`;
}

/**
 * The correlation key of one observation. `ordinal` separates results that would otherwise share a
 * key inside one report (two identical lines in one file); it is their order by line.
 */
export function correlationKey(finding: NormalizedFinding, aliases: AliasMap, root?: string): string {
  const file = finding.location.file ? repoRelative(finding.location.file, root) : "";
  switch (finding.category) {
    case "sca":
    case "container": {
      const vuln =
        canonicalVulnerability(finding, aliases) ?? `${finding.tool.name.toLowerCase()}:${finding.rule.id}`;
      const pkg = packageKey(finding) ?? finding.location.image ?? file;
      return `${vuln}|${pkg}`;
    }
    case "secret": {
      const where = file || finding.location.url || finding.location.resource || "";
      if (finding.secret && !finding.secret.preview.startsWith("REDA"))
        return `${finding.secret.hash}|${where}`;
      return `${finding.rule.id}|${where}|${finding.location.startLine ?? 0}`;
    }
    case "dast": {
      const weakness = finding.cwes[0] ?? `${finding.tool.name.toLowerCase()}:${finding.rule.id}`;
      const endpoint = finding.location.url
        ? normalizeEndpoint(finding.location.url)
        : (finding.location.resource ?? "");
      return `${weakness}|${finding.location.method ?? "GET"}|${endpoint}|${finding.location.parameter ?? ""}`;
    }
    case "iac":
      return `${iacRule(finding)}|${finding.location.resource ?? ""}|${file}`;
    case "sast": {
      const tool = finding.tool.name.toLowerCase();
      const fp = stableFingerprint(finding);
      if (fp) return `${tool}|${finding.rule.id}|${file}|${fp}`;
      return `${tool}|${finding.rule.id}|${file}|${finding.location.snippetHash ?? "no-snippet"}`;
    }
  }
}

/** Finding id = hash(app, category, key): 16 hex chars (64 bits). */
export function findingIdOf(appId: string, category: string, key: string): string {
  return shortHash([appId, category, key]);
}
