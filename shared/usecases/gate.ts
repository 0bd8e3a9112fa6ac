import type { CorrelationPlan, Observed } from "#shared/domain/correlate";
import { byRisk, GATE_FINDINGS_CAP, type Gate, type GateFinding } from "#shared/domain/gate";
import { CLOSING_TRIAGE, type Score, type TrackedFinding } from "#shared/domain/tracked-finding";
import { getFindings } from "#shared/store/finding-store";
import type { TableRef } from "#shared/store/table-ref";

/**
 * The gate of an untracked (pull-request) scan: each new finding scored like a tracked one, with
 * active exceptions and a person's closing triage (false positive, mitigated, for the same content)
 * honoured, so neither counts nor blocks.
 */
export async function buildGate(
  db: TableRef,
  appId: string,
  toolName: string,
  gate: NonNullable<CorrelationPlan["gate"]>,
  observed: readonly Observed[],
  markOf: (o: Observed) => TrackedFinding["exception"],
  scoreOf: (o: Observed) => Score | undefined,
): Promise<Gate> {
  const byId = new Map(observed.map((o) => [o.findingId, o]));
  const fresh = gate.newIds.map((id) => byId.get(id)).filter((o): o is Observed => !!o);
  // a new id can still be a finding the table knows (another scope's, or one a person closed)
  const known = new Map(
    (
      await getFindings(
        db,
        appId,
        fresh.map((o) => o.findingId),
      )
    ).map((f) => [f.findingId, f]),
  );
  const findings: GateFinding[] = fresh.map((o) => {
    const score = scoreOf(o);
    const mark = markOf(o);
    const stored = known.get(o.findingId);
    const status = stored?.triage?.status;
    const closedAs =
      status &&
      (CLOSING_TRIAGE as readonly string[]).includes(status) &&
      stored?.triage?.contentHash === o.contentHash
        ? (status as GateFinding["closedAs"])
        : undefined;
    const l = o.view.location;
    return {
      id: o.findingId,
      title: o.view.title,
      severity: o.view.severity,
      category: o.view.category,
      ...(score ? { priority: score.priority } : {}),
      kev: score?.factors.some((f) => f.name === "KEV") ?? false,
      rule: o.view.rule.id,
      tool: toolName,
      ...(o.cve ? { cve: o.cve } : {}),
      ...(l.file ? { file: l.file } : l.url ? { file: l.url } : {}),
      ...(l.startLine ? { line: l.startLine } : {}),
      ...(mark ? { exception: { id: mark.id, reason: mark.reason } } : {}),
      ...(closedAs ? { closedAs } : {}),
    };
  });
  const counted = findings.filter((f) => !f.exception && !f.closedAs);
  const newBySeverity: Record<string, number> = {};
  for (const f of counted) newBySeverity[f.severity] = (newBySeverity[f.severity] ?? 0) + 1;
  findings.sort(byRisk);
  return {
    newFindings: counted.length,
    newBySeverity,
    fixedFindings: gate.fixedFindings,
    excepted: findings.length - counted.length,
    findings: findings.slice(0, GATE_FINDINGS_CAP),
    ...(findings.length > GATE_FINDINGS_CAP ? { truncated: true } : {}),
  };
}
