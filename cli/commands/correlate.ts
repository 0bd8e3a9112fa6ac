import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { type AppContext, contextFor } from "#shared/domain/app-context";
import { parseAppContextYaml } from "#shared/domain/app-context-yaml";
import { emptyAppState } from "#shared/domain/app-state";
import { planCorrelation } from "#shared/domain/correlate";
import type { Severity } from "#shared/domain/finding";
import type { IntelSnapshot } from "#shared/domain/intel";
import { parseEpssCsv, parseEpssGzip, parseKevCatalog } from "#shared/domain/intel";
import { reportKindOf, scopeIdOf } from "#shared/domain/scan";
import { severityRank } from "#shared/domain/severity";
import type { ProviderView, Score } from "#shared/domain/tracked-finding";
import { directorySource } from "#shared/integrations/intel-feeds";
import { scoreView } from "#shared/usecases/scoring";
import { CliError, type CliIo } from "../io.ts";
import { readReport } from "./parse.ts";

interface OfflineFinding {
  id: string;
  category: string;
  title: string;
  severity: Severity;
  status: "open" | "resolved";
  firstSeenAt: string;
  view: ProviderView;
  sources: Array<{ tool: string; ruleId: string; file: string; nativeId?: string }>;
  score?: Score;
}

async function loadIntel(dir: string): Promise<IntelSnapshot> {
  const source = directorySource(dir);
  const snapshot: IntelSnapshot = {};
  try {
    snapshot.kev = parseKevCatalog(await source.kev());
  } catch (error) {
    throw new CliError(`--intel ${dir}: ${(error as Error).message}`, 2);
  }
  try {
    const bytes = await source.epss();
    snapshot.epss =
      bytes[0] === 0x1f ? await parseEpssGzip(bytes) : parseEpssCsv(Buffer.from(bytes).toString("utf8"));
  } catch {
    // EPSS is optional offline: KEV alone still drives exploitation
  }
  return snapshot;
}

/**
 * `aspm correlate`: parse + correlate (+ score) in memory with the same domain functions as the
 * correlate Lambda; each file is a scan of its own scope, applied in order.
 */
export async function correlateCommand(
  io: CliIo,
  files: string[],
  options: { app: string; json?: boolean; context?: string; intel?: string; format?: string },
): Promise<void> {
  if (!files.length) throw new CliError("give at least one report file", 2);
  let contexts = new Map<string, AppContext>();
  if (options.context) {
    try {
      contexts = parseAppContextYaml(readFileSync(options.context, "utf8"));
    } catch (error) {
      throw new CliError(`--context ${options.context}: ${(error as Error).message}`, 2);
    }
  }
  const app = contextFor(options.app, contexts);
  const intel = options.intel ? await loadIntel(options.intel) : undefined;
  const scored = Boolean(options.context || options.intel);
  const now = new Date();

  let state = emptyAppState(options.app);
  const findings = new Map<string, OfflineFinding>();
  let observations = 0;
  files.forEach((file, i) => {
    const { report } = readReport(file, options.format);
    observations += report.count;
    const at = new Date(now.getTime() + i).toISOString();
    const key = {
      appId: options.app,
      toolName: report.tool.name,
      format: report.format,
      artifact: report.artifact,
      target: basename(file),
      branch: "main",
    };
    const scopeId = scopeIdOf(key);
    const plan = planCorrelation(
      state,
      {
        appId: options.app,
        scanId: `offline-${i}`,
        scopeId,
        tool: report.tool,
        kind: reportKindOf(report.format),
        ...(report.artifact ? { artifact: report.artifact } : {}),
        target: basename(file),
        branch: "main",
        tracked: true,
        commitTime: at,
        at,
      },
      report.findings,
    );
    state = plan.next;
    const byId = new Map(plan.observed.map((o) => [o.findingId, o]));
    for (const change of plan.changes) {
      const o = byId.get(change.findingId);
      const existing = findings.get(change.findingId);
      if (o) {
        const source = {
          tool: report.tool.name,
          ruleId: o.ruleId,
          file,
          ...(o.nativeId ? { nativeId: o.nativeId } : {}),
        };
        const f: OfflineFinding = existing ?? {
          id: o.findingId,
          category: o.view.category,
          title: o.view.title,
          severity: o.view.severity,
          status: "open",
          firstSeenAt: change.firstSeenAt,
          view: o.view,
          sources: [],
        };
        f.status = "open";
        f.sources = [...f.sources.filter((s) => s.file !== file), source];
        if (!existing || o.severityRank >= severityRank(f.severity)) {
          f.view = o.view;
          f.severity = o.view.severity;
          f.title = o.view.title;
        }
        findings.set(o.findingId, f);
      } else if (change.kind === "merged" && existing && change.into) {
        existing.status = "resolved";
        const survivor = findings.get(change.into);
        if (survivor) survivor.sources = [...survivor.sources, ...existing.sources];
      } else if (existing && change.kind === "resolved") {
        existing.status = "resolved";
      }
    }
  });
  if (scored)
    for (const f of findings.values()) f.score = scoreView(f.view, f.firstSeenAt, app, intel, undefined, now);

  const list = [...findings.values()]
    .filter((f) => f.status === "open")
    .sort((a, b) => (b.score?.risk ?? 0) - (a.score?.risk ?? 0) || a.id.localeCompare(b.id));
  const unique = list.length;
  if (options.json) {
    io.out(
      JSON.stringify({
        observations,
        unique,
        findings: list.map((f) => ({
          id: f.id,
          category: f.category,
          title: f.title,
          severity: f.severity,
          status: f.status,
          ...(f.view.vulnerability ? { vulnerability: f.view.vulnerability.id } : {}),
          ...(f.view.package ? { package: `${f.view.package.name}@${f.view.package.version ?? "?"}` } : {}),
          ...(f.view.location.file ? { file: f.view.location.file } : {}),
          sources: f.sources.map(({ tool, ruleId, file, nativeId }) => ({
            tool,
            ruleId,
            file,
            ...(nativeId ? { nativeId } : {}),
          })),
          ...(f.score
            ? {
                risk: f.score.risk,
                decision: f.score.decision,
                priority: f.score.priority,
                dueAt: f.score.dueAt,
                factors: f.score.factors,
              }
            : {}),
        })),
      }),
    );
    return;
  }
  io.out(
    `${observations} raw observations → ${unique} unique findings${app.unclassified && scored ? ` (app ${options.app} is unclassified: defaults used)` : ""}`,
  );
  for (const f of list) {
    const tools = [...new Set(f.sources.map((s) => s.tool))].join(", ");
    const score = f.score
      ? ` ${f.score.priority} risk ${f.score.risk} ${f.score.decision} due ${f.score.dueAt.slice(0, 10)}`
      : "";
    io.out(`${f.id} ${f.severity.padEnd(8)} ${f.category.padEnd(9)}${score} ${f.title} [${tools}]`);
    if (f.score)
      for (const factor of f.score.factors)
        io.out(`    ${factor.name}: ${factor.value}, ${factor.effect >= 0 ? "+" : ""}${factor.effect}`);
  }
}
