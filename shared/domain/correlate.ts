import type { AppState, FindingState, ManifestEntry, ScopeState } from "./app-state.ts";
import {
  type AliasMap,
  canonicalVulnerability,
  correlationKey,
  findingIdOf,
  learnAliases,
  packageKey,
} from "./correlation-key.ts";
import type { NormalizedFinding, Severity } from "./finding.ts";
import { shortHash } from "./hash.ts";
import { repoRelative } from "./path.ts";
import type { ScanCounts } from "./scan-counts.ts";
import { severityRank } from "./severity.ts";
import type { ProviderView } from "./tracked-finding.ts";
import { canonicalVulnId } from "./vulnerability-id.ts";
import { weaknessClass } from "./weakness-class.ts";

/**
 * The correlation diff (DESIGN §6), pure: a scan's observations against the app's state give the
 * next state and the exact changes to write. Deterministic: the same state and scan always give
 * the same plan, which is what makes retries and duplicate deliveries converge.
 */

export interface ScanInput {
  appId: string;
  scanId: string;
  scopeId: string;
  tool: { name: string; version?: string };
  /** Report kind (reportKindOf) and artifact: with tool and target, which scope a PR scan compares with. */
  kind?: string;
  artifact?: string;
  target: string;
  branch: string;
  tracked: boolean;
  /**
   * A legacy scope (keyed before scopes had a kind) this scan takes over when its own scope has no
   * state yet: its manifest is this scan's previous state, its sources move to this scope, and it
   * is dropped. The caller names it only when the legacy scope's last scan was of this kind.
   */
  adopt?: string;
  /** Commit or scan time given at upload; orders scans of one scope. */
  commitTime?: string;
  /** When the scan was processed (ISO); the time stamped on new sources and audit events. */
  at: string;
  /** Repo root to strip from absolute paths, when known. */
  root?: string;
}

/** One unique finding of the scan, with its provider view and the observations merged into it. */
export interface Observed {
  findingId: string;
  key: string;
  cve?: string;
  view: ProviderView;
  contentHash: string;
  severityRank: number;
  nativeId?: string;
  ruleId: string;
  /** How many of the scan's results were merged into this finding (a tool repeating itself counts). */
  observations: number;
}

export type ChangeKind =
  | "created"
  | "reopened"
  | "joined"
  | "updated"
  | "source-closed"
  | "resolved"
  | "merged";

export interface FindingChange {
  kind: ChangeKind;
  findingId: string;
  /** The observation, for every kind but source-closed and resolved. */
  observed?: Observed;
  /** First seen of the finding (kept across resolve/reopen). */
  firstSeenAt: string;
  /** For `merged`: the finding this one turned out to duplicate. */
  into?: string;
  /** The adopted legacy scope whose source on the finding this change moves or closes. */
  fromScope?: string;
}

export interface CorrelationPlan {
  lifecycle: "applied" | "stale" | "untracked" | "replay";
  counts: ScanCounts;
  changes: FindingChange[];
  next: AppState;
  /** For untracked scans: the comparison with the tracked baseline (`newIds` lets callers drop excepted ones). */
  gate?: {
    newFindings: number;
    newBySeverity: Record<string, number>;
    fixedFindings: number;
    newIds: string[];
  };
  /** Every unique finding of this scan (also for untracked scans: the gate reads them). */
  observed: Observed[];
}

const SAST_LINK_WINDOW = 3;

function providerView(f: NormalizedFinding): ProviderView {
  return {
    category: f.category,
    title: f.title,
    description: f.description,
    severity: f.severity,
    rawSeverity: f.rawSeverity,
    rule: f.rule,
    cvss: f.cvss,
    vulnerability: f.vulnerability,
    cwes: f.cwes,
    package: f.package,
    location: f.location,
    secret: f.secret,
    reachability: f.reachability,
    vex: f.vex,
    exploit: f.exploit,
    suppressedByTool: f.suppressed ? true : undefined,
    remediation: f.remediation,
    references: f.references,
  };
}

/** Hash of the provider fields that matter for display and scoring; free text is left out. */
function contentHashOf(view: ProviderView): string {
  const l = view.location;
  return shortHash(
    [
      view.severity,
      view.title,
      view.rule.id,
      view.cvss ? `${view.cvss.version}:${view.cvss.score ?? ""}:${view.cvss.vector ?? ""}` : "",
      view.vulnerability ? [view.vulnerability.id, ...view.vulnerability.aliases].join(",") : "",
      view.cwes.join(","),
      view.package ? `${view.package.version ?? ""}>${view.package.fixedVersions.join(",")}` : "",
      `${l.file ?? ""}:${l.startLine ?? ""}-${l.endLine ?? ""}:${l.url ?? ""}:${l.parameter ?? ""}`,
      view.vex?.state ?? "",
      view.reachability ?? "",
      view.exploit ?? "",
      view.suppressedByTool ? "s" : "",
    ],
    12,
  );
}

function isStale(scope: ScopeState | undefined, scan: ScanInput): boolean {
  if (!scope) return false;
  if (scan.commitTime && scope.lastCommitTime) return scan.commitTime < scope.lastCommitTime;
  return false;
}

/** Keys every observation, splitting SAST results that share a key by their order in the file. */
function keyObservations(findings: readonly NormalizedFinding[], aliases: AliasMap, root?: string) {
  const keyed = findings.map((f) => ({ f, key: correlationKey(f, aliases, root) }));
  const sastGroups = new Map<string, Array<{ f: NormalizedFinding; key: string }>>();
  for (const k of keyed) {
    if (k.f.category !== "sast") continue;
    const group = sastGroups.get(k.key);
    if (group) group.push(k);
    else sastGroups.set(k.key, [k]);
  }
  for (const group of sastGroups.values()) {
    if (group.length < 2) continue;
    group.sort(
      (a, b) =>
        (a.f.location.startLine ?? 0) - (b.f.location.startLine ?? 0) ||
        (a.f.location.endLine ?? 0) - (b.f.location.endLine ?? 0),
    );
    group.forEach((k, i) => {
      if (i > 0) k.key = `${k.key}#${i}`;
    });
  }
  return keyed;
}

interface SastCandidate {
  id: string;
  tool: string;
  line: number;
}

function sastIndex(state: AppState): Map<string, SastCandidate[]> {
  const byFileClass = new Map<string, SastCandidate[]>();
  for (const [id, f] of Object.entries(state.findings)) {
    if (f.st !== "o" || f.cat !== "sast" || !f.c || !f.f || !f.t) continue;
    const k = `${f.c}|${f.f}`;
    const list = byFileClass.get(k) ?? [];
    list.push({ id, tool: f.t, line: f.l ?? 0 });
    byFileClass.set(k, list);
  }
  return byFileClass;
}

/** Scopes (other than `except`) whose manifest lists each finding: who else still sees it. */
function otherScopeCounts(state: AppState, except: ReadonlySet<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [scopeId, scope] of Object.entries(state.scopes)) {
    if (except.has(scopeId)) continue;
    for (const id of Object.keys(scope.findings)) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

function cloneState(state: AppState): AppState {
  return {
    v: 1,
    appId: state.appId,
    scopes: { ...state.scopes },
    findings: { ...state.findings },
    links: { ...state.links },
    aliases: { ...state.aliases },
  };
}

/** Resolves, links and merges the observations of one scan into unique findings. */
export function observe(
  state: AppState,
  scan: ScanInput,
  findings: readonly NormalizedFinding[],
): { observed: Observed[]; next: AppState } {
  const next = cloneState(state);
  const aliases: AliasMap = new Map(Object.entries(next.aliases));
  for (const f of findings) learnAliases(f, aliases);
  next.aliases = Object.fromEntries(aliases);

  const candidates = sastIndex(state);
  const toolName = scan.tool.name.toLowerCase();
  const byId = new Map<string, Observed>();
  for (const { f, key } of keyObservations(findings, aliases, scan.root)) {
    const natural = findingIdOf(scan.appId, f.category, key);
    let id = next.links[natural] ?? natural;
    const cve =
      f.category === "sca" || f.category === "container" ? canonicalVulnerability(f, aliases) : undefined;

    if (!next.findings[id] && (f.category === "sca" || f.category === "container") && f.vulnerability) {
      // a finding first keyed on an alias (GHSA) keeps its identity once we learn the CVE behind it
      const pkg = packageKey(f) ?? f.location.image ?? f.location.file ?? "";
      for (const alias of [f.vulnerability.id, ...f.vulnerability.aliases].map(canonicalVulnId)) {
        const aliasId = findingIdOf(scan.appId, f.category, `${alias}|${pkg}`);
        if (aliasId !== id && next.findings[aliasId]) {
          next.links[natural] = aliasId;
          id = aliasId;
          break;
        }
      }
    }

    if (!next.findings[id] && f.category === "sast" && f.location.file) {
      // the same weakness class in the same file within a few lines, reported by another tool
      const cls = weaknessClass(f.cwes);
      const line = f.location.startLine ?? 0;
      const file = repoRelative(f.location.file, scan.root);
      const match = cls
        ? (candidates.get(`${cls}|${file}`) ?? []).find(
            (c) => c.tool !== toolName && Math.abs(c.line - line) <= SAST_LINK_WINDOW,
          )
        : undefined;
      if (match) {
        next.links[natural] = match.id;
        id = match.id;
      }
    }

    const view = providerView(f);
    const rank = severityRank(f.severity);
    const contentHash = contentHashOf(view);
    const existing = byId.get(id);
    const observations = (existing?.observations ?? 0) + 1;
    if (existing) existing.observations = observations;
    // the worst observation represents the finding; ties break on content so input order never matters
    if (
      !existing ||
      rank > existing.severityRank ||
      (rank === existing.severityRank && contentHash < existing.contentHash)
    ) {
      byId.set(id, {
        findingId: id,
        key,
        cve,
        view,
        contentHash,
        severityRank: rank,
        nativeId: f.toolId,
        ruleId: f.rule.id,
        observations,
      });
    }
  }
  const observed = [...byId.values()].sort((a, b) => (a.findingId < b.findingId ? -1 : 1));
  return { observed, next };
}

function findingStateFor(o: Observed, toolName: string, firstSeen: string, root?: string): FindingState {
  const base: FindingState = { st: "o", cat: o.view.category, fs: firstSeen };
  if (o.view.category === "sast") {
    const cls = weaknessClass(o.view.cwes);
    if (cls && o.view.location.file) {
      return {
        ...base,
        t: toolName,
        c: cls,
        f: repoRelative(o.view.location.file, root),
        l: o.view.location.startLine ?? 0,
      };
    }
  }
  if (o.view.category === "sca" || o.view.category === "container") {
    const v = o.key.slice(0, o.key.indexOf("|"));
    return { ...base, v, k: o.key };
  }
  return base;
}

function emptyCounts(observations: number, unique: number): ScanCounts {
  return { observations, unique, new: 0, unchanged: 0, updated: 0, resolved: 0, reopened: 0 };
}

const SEVERITY_BY_RANK: Severity[] = ["info", "low", "medium", "high", "critical"];

/** The plan for one scan of one scope: stale, replayed and untracked scans change nothing. */
export function planCorrelation(
  state: AppState,
  scan: ScanInput,
  findings: readonly NormalizedFinding[],
): CorrelationPlan {
  const own = state.scopes[scan.scopeId];
  const adopted = !own && scan.tracked && scan.adopt ? state.scopes[scan.adopt] : undefined;
  const fromScope = adopted ? scan.adopt : undefined;
  const scope = own ?? adopted;
  const { observed, next } = observe(state, scan, findings);
  const counts = emptyCounts(findings.length, observed.length);

  if (scope?.lastScanId === scan.scanId) {
    return { lifecycle: "replay", counts, changes: [], next: state, observed };
  }

  if (!scan.tracked) {
    // a pull-request scan: compare with the tracked baseline of the same tool, kind, artifact and
    // target; scopes written before they had a kind match on tool and target only
    const sameTool = Object.values(state.scopes).filter(
      (s) => s.tool === scan.tool.name.toLowerCase() && s.target === scan.target,
    );
    const sameKind = sameTool.filter(
      (s) => s.kind !== undefined && s.kind === scan.kind && (s.artifact ?? "") === (scan.artifact ?? ""),
    );
    const baseline = (sameKind.length ? sameKind : sameTool.filter((s) => s.kind === undefined)).sort(
      (a, b) => (a.lastScanAt < b.lastScanAt ? 1 : -1),
    )[0];
    const base = baseline?.findings ?? {};
    const newOnes = observed.filter((o) => !base[o.findingId]);
    const seen = new Set(observed.map((o) => o.findingId));
    const newBySeverity: Record<string, number> = {};
    for (const o of newOnes) newBySeverity[o.view.severity] = (newBySeverity[o.view.severity] ?? 0) + 1;
    return {
      lifecycle: "untracked",
      counts: { ...counts, new: newOnes.length, unchanged: observed.length - newOnes.length },
      changes: [],
      next: state,
      observed,
      gate: {
        newFindings: newOnes.length,
        newBySeverity,
        fixedFindings: Object.keys(base).filter((id) => !seen.has(id)).length,
        newIds: newOnes.map((o) => o.findingId),
      },
    };
  }

  if (isStale(scope, scan)) {
    return { lifecycle: "stale", counts, changes: [], next: state, observed };
  }

  const previous = scope?.findings ?? {};
  const others = otherScopeCounts(state, new Set(fromScope ? [scan.scopeId, fromScope] : [scan.scopeId]));
  const changes: FindingChange[] = [];
  const manifest: Record<string, ManifestEntry> = {};
  const toolName = scan.tool.name.toLowerCase();

  for (const o of observed) {
    manifest[o.findingId] =
      o.observations > 1 ? [o.contentHash, o.severityRank, o.observations] : [o.contentHash, o.severityRank];
    const known = next.findings[o.findingId];
    const before = previous[o.findingId];
    if (!known) {
      next.findings[o.findingId] = findingStateFor(o, toolName, scan.at, scan.root);
      changes.push({ kind: "created", findingId: o.findingId, observed: o, firstSeenAt: scan.at });
      counts.new++;
    } else if (known.st === "r") {
      next.findings[o.findingId] = { ...findingStateFor(o, toolName, known.fs, scan.root), st: "o" };
      changes.push({ kind: "reopened", findingId: o.findingId, observed: o, firstSeenAt: known.fs });
      counts.reopened++;
    } else if (!before) {
      changes.push({ kind: "joined", findingId: o.findingId, observed: o, firstSeenAt: known.fs });
      counts.updated++;
    } else if (before[0] !== o.contentHash || (before[2] ?? 1) !== o.observations) {
      // (a new count of repeats changes no content, but the source's count the funnel sums)
      changes.push({
        kind: "updated",
        findingId: o.findingId,
        observed: o,
        firstSeenAt: known.fs,
        fromScope,
      });
      counts.updated++;
    } else {
      // unchanged, but an adopted finding's source still has to move to this scope
      if (fromScope)
        changes.push({
          kind: "joined",
          findingId: o.findingId,
          observed: o,
          firstSeenAt: known.fs,
          fromScope,
        });
      counts.unchanged++;
    }
  }

  for (const id of Object.keys(previous)) {
    if (manifest[id]) continue;
    const known = next.findings[id];
    if (!known) continue;
    if ((others.get(id) ?? 0) > 0) {
      changes.push({ kind: "source-closed", findingId: id, firstSeenAt: known.fs, fromScope });
    } else if (known.st === "o") {
      next.findings[id] = { ...known, st: "r" };
      changes.push({ kind: "resolved", findingId: id, firstSeenAt: known.fs, fromScope });
      counts.resolved++;
    }
  }
  counts.scopeBefore = Object.keys(previous).length;

  if (fromScope) delete next.scopes[fromScope];
  next.scopes[scan.scopeId] = {
    tool: toolName,
    target: scan.target,
    branch: scan.branch,
    ...(scan.kind ? { kind: scan.kind } : {}),
    ...(scan.artifact ? { artifact: scan.artifact } : {}),
    lastScanId: scan.scanId,
    lastScanAt: scan.at,
    lastCommitTime: scan.commitTime ?? scope?.lastCommitTime,
    findings: manifest,
  };
  mergeLearnedAliases(state, next, scan.appId, changes);
  return { lifecycle: "applied", counts, changes, next, observed };
}

/**
 * When a scan teaches us that a GHSA/OSV id is a CVE, a finding first keyed on the alias and a
 * finding keyed on the CVE for the same package are one problem: the alias-keyed one is merged
 * into the other (marked resolved-as-merged, its scopes now list the survivor). The moved manifest
 * entries get an empty hash, so each of those scopes' next scan writes its source to the survivor.
 */
function mergeLearnedAliases(
  before: AppState,
  next: AppState,
  appId: string,
  changes: FindingChange[],
): void {
  const learned = Object.entries(next.aliases).filter(([alias]) => !before.aliases[alias]);
  if (!learned.length) return;
  const byVuln = new Map<string, string[]>();
  for (const [id, f] of Object.entries(next.findings)) {
    if (f.st !== "o" || !f.v || !f.k) continue;
    byVuln.set(f.v, [...(byVuln.get(f.v) ?? []), id]);
  }
  for (const [alias, cve] of learned) {
    for (const id of byVuln.get(alias) ?? []) {
      const f = next.findings[id];
      if (!f?.k) continue;
      const natural = findingIdOf(appId, f.cat, `${cve}${f.k.slice(f.k.indexOf("|"))}`);
      const target = next.links[natural] ?? natural;
      const survivor = next.findings[target];
      if (target === id || !survivor) {
        if (target !== id) next.links[natural] = id;
        continue;
      }
      for (const [scopeId, scope] of Object.entries(next.scopes)) {
        const entry = scope.findings[id];
        if (!entry) continue;
        const findings = { ...scope.findings };
        delete findings[id];
        findings[target] ??= ["", entry[1]];
        next.scopes[scopeId] = { ...scope, findings };
      }
      next.findings[id] = { ...f, st: "r" };
      next.links[id] = target;
      if (f.fs < survivor.fs) next.findings[target] = { ...survivor, fs: f.fs };
      changes.push({ kind: "merged", findingId: id, into: target, firstSeenAt: f.fs });
    }
  }
}

/** The highest severity any open scope reports for a finding (sources disagree; the worst counts). */
export function mergedSeverity(state: AppState, findingId: string): Severity | undefined {
  let best = -1;
  for (const scope of Object.values(state.scopes)) {
    const entry = scope.findings[findingId];
    if (entry && entry[1] > best) best = entry[1];
  }
  return best >= 0 ? SEVERITY_BY_RANK[best] : undefined;
}
