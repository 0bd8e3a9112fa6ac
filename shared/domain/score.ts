import { z } from "zod";
import type { AppContext } from "./app-context.ts";
import { type CvssScore, isNetworkAttackVector, scoreCvssVector } from "./cvss.ts";
import { normalizeCwe } from "./cwe.ts";
import { Category, Cvss, LIMITS, NormalizedFinding, PackageRef, Severity } from "./finding.ts";
import type { IntelRecord } from "./intel.ts";
import {
  DEFAULT_RISK_POLICY,
  epssBandFor,
  PRIORITIES,
  type Priority,
  type RiskPolicy,
} from "./risk-policy.ts";
import { severityFromScore, severityRank } from "./severity.ts";
import {
  type Automatable,
  decide,
  type Exploitation,
  MISSION_LEVELS,
  type MissionLevel,
  type SsvcDecision,
  type SsvcInputs,
  type TechnicalImpact,
} from "./ssvc.ts";

/**
 * The risk engine: one published, explainable formula (docs/RISK.md). `risk` is the sum of the
 * factor effects, exactly; the SSVC decision and priority come from CISA's table, not from `risk`,
 * so the two can be read independently (risk ranks within a priority). Pure: `now` is an input.
 */

/**
 * What scoring reads from a correlated finding. The caller maps the finding onto it, so this stays
 * small: provider fields only (exceptions and owners never change the score).
 */
export const RiskSubject = z.object({
  /** Our severity (the highest any source reported). */
  severity: Severity,
  /** The best CVSS we have; a vector is re-scored by ./cvss.ts, a bare score is trusted. */
  cvss: Cvss.optional(),
  category: Category,
  /** Normalized `CWE-<n>` ids. */
  cwes: z.array(z.string().max(20)).max(LIMITS.ids),
  /** CVE ids and aliases; the caller looks intel up with `intelFor(snapshot, vulnerabilityIds)`. */
  vulnerabilityIds: z.array(z.string().max(200)).max(LIMITS.ids),
  package: PackageRef.pick({ direct: true, scope: true }).optional(),
  reachability: NormalizedFinding.shape.reachability,
  vex: NormalizedFinding.shape.vex,
  exploit: NormalizedFinding.shape.exploit,
  /** A leaked credential: `verified` when the tool confirmed it is live. */
  secret: z.object({ verified: z.boolean().optional() }).optional(),
  /** When any source first saw the finding: the SLA clock starts here and never restarts. */
  firstSeenAt: z.iso.datetime({ offset: true }),
});
export type RiskSubject = z.infer<typeof RiskSubject>;

export interface RiskFactor {
  name: string;
  value: string;
  /** Integer contribution; the effects of all factors sum to `risk`. */
  effect: number;
}

export interface RiskScore {
  /** 0..100, the sum of the factor effects. */
  risk: number;
  factors: RiskFactor[];
  /** CISA's table outcome for `ssvc`. */
  decision: SsvcDecision;
  /** Priority from the decision, after the KEV floor. */
  priority: Priority;
  /** Set when a floor (KEV, leaked secret) raised the priority above what the table says. */
  floor?: { from: Priority; reason: string };
  /** ISO time: first seen + SLA days for the priority, or the KEV due date if that is earlier. */
  dueAt: string;
  dueBy: "sla" | "kev";
  ssvc: SsvcInputs;
  /**
   * VEX says the product is not affected: risk is 0 and callers treat the finding like an excepted
   * one (out of actionable counts, gates and tickets). Decision, priority and due date are still
   * computed so a withdrawn VEX statement changes nothing else.
   */
  suppressed?: { reason: string };
}

export interface ScoreInput {
  subject: RiskSubject;
  app: AppContext;
  intel: IntelRecord | undefined;
  policy?: RiskPolicy;
  now: Date;
}

/** Design §7: Act → P1, Attend → P2, Track* → P3, Track → P4. */
export const PRIORITY_FOR_DECISION: Record<SsvcDecision, Priority> = {
  Act: "P1",
  Attend: "P2",
  "Track*": "P3",
  Track: "P4",
};

const DAY_MS = 86_400_000;

export function scoreFinding(input: ScoreInput): RiskScore {
  const { subject, app, intel, now } = input;
  const policy = input.policy ?? DEFAULT_RISK_POLICY;
  const w = policy.weights;
  const firstSeen = Date.parse(subject.firstSeenAt);
  if (Number.isNaN(firstSeen)) throw new RangeError(`firstSeenAt is not an ISO time: ${subject.firstSeenAt}`);

  const factors: RiskFactor[] = [];
  const push = (name: string, value: string, effect: number) => {
    // Math.round can yield -0; store a plain 0 so results compare equal (Object.is)
    factors.push({ name, value, effect: effect === 0 ? 0 : effect });
  };

  // Base: how bad if exploited. CVSS when we have one, else the severity word.
  const cvss = effectiveCvss(subject);
  if (cvss) push("CVSS", `v${cvss.version} base ${cvss.score}`, Math.round(cvss.score * w.cvssPointsPerUnit));
  else push("Severity", subject.severity, w.severity[subject.severity]);

  // Threat: how likely it is exploited.
  if (intel?.kev) {
    push("KEV", "known exploited", w.kev);
    if (intel.kev.ransomware) push("KEV ransomware", "known ransomware campaign use", w.kevRansomware);
  }
  if (intel?.epss) {
    const band = epssBandFor(intel.epss.percentile, policy);
    push(
      "EPSS",
      `${intel.epss.score} (p${(intel.epss.percentile * 100).toFixed(1)}, ${band.name})`,
      band.points,
    );
  }
  if (subject.exploit === "active" || subject.exploit === "poc") {
    // KEV is the authority on exploitation; a tool's "active" usually is KEV, so do not count it twice
    if (intel?.kev) push("Exploit", `${subject.exploit} (tool), counted in KEV`, 0);
    else push("Exploit", `${subject.exploit} (tool)`, w.exploit[subject.exploit]);
  }

  // Relevance: is the vulnerable code used at all.
  if (subject.reachability === "reachable") push("Reachability", "reachable", w.reachability.reachable);
  if (subject.reachability === "unreachable") push("Reachability", "unreachable", w.reachability.unreachable);
  if (subject.vex?.state === "exploitable") push("VEX", "exploitable", w.vexExploitable);
  if (subject.package?.scope === "dev") push("Dependency", "dev-only", w.devDependency);
  if (subject.package?.direct === false) push("Dependency", "transitive", w.transitiveDependency);

  // Context: what is at stake in this app.
  const mark = (field: (typeof app.defaulted)[number]) => (app.defaulted.includes(field) ? " (default)" : "");
  push("Criticality", `${app.criticality}${mark("criticality")}`, w.criticality[app.criticality]);
  push("Exposure", `${app.exposure}${mark("exposure")}`, w.exposure[app.exposure]);
  push("Data", `${app.data}${mark("data")}`, w.data[app.data]);
  push("Environment", `${app.environment}${mark("environment")}`, w.environment[app.environment]);
  if (app.controls.length > 0) {
    const effect = Math.max(w.compensatingControlsFloor, w.compensatingControl * app.controls.length);
    push("Controls", app.controls.join(", "), effect);
  }

  // Age: an old open finding has had longer to attract exploits.
  const days = Math.max(0, Math.floor((now.getTime() - firstSeen) / DAY_MS));
  const ageEffect = Math.min(w.age.max, Math.floor(days / w.age.stepDays) * w.age.pointsPerStep);
  push("Age", `${days} day${days === 1 ? "" : "s"}`, ageEffect);

  // Suppression or clamp: shown as factors so the effects still sum to the risk.
  const raw = sum(factors);
  const suppressedBy =
    subject.vex && policy.vexSuppressStates.includes(subject.vex.state) ? subject.vex : undefined;
  let suppressed: RiskScore["suppressed"];
  if (suppressedBy) {
    const why = suppressedBy.justification ?? suppressedBy.detail;
    const reason = `VEX ${suppressedBy.state}${why ? `: ${why}` : ""}`;
    suppressed = { reason };
    push("Suppressed", reason, -raw);
  } else if (raw > 100) push("Clamp", "capped at 100", 100 - raw);
  else if (raw < 0) push("Clamp", "floored at 0", -raw);
  const risk = sum(factors);

  // SSVC and priority.
  const ssvc: SsvcInputs = {
    exploitation: exploitationOf(subject, intel, policy),
    automatable: automatableOf(subject, app),
    technicalImpact: technicalImpactOf(subject, cvss, policy),
    mission: missionOf(app, policy),
  };
  const decision = decide(ssvc.exploitation, ssvc.automatable, ssvc.technicalImpact, ssvc.mission);
  const tablePriority = PRIORITY_FOR_DECISION[decision];
  let priority = tablePriority;
  let floor: RiskScore["floor"];
  for (const [applies, level, reason] of priorityFloors(subject, intel, policy)) {
    if (applies && PRIORITIES.indexOf(level) < PRIORITIES.indexOf(priority)) {
      priority = level;
      floor = { from: tablePriority, reason };
    }
  }

  // Due: the SLA clock runs from first seen; KEV's own due date wins when it is earlier.
  const slaDue = firstSeen + policy.slaDays[priority] * DAY_MS;
  const kevDue = intel?.kev ? Date.parse(`${intel.kev.dueDate}T23:59:59.999Z`) : Number.NaN;
  const byKev = !Number.isNaN(kevDue) && kevDue < slaDue;

  return {
    risk,
    factors,
    decision,
    priority,
    ...(floor ? { floor } : {}),
    dueAt: new Date(byKev ? kevDue : slaDue).toISOString(),
    dueBy: byKev ? "kev" : "sla",
    ssvc,
    ...(suppressed ? { suppressed } : {}),
  };
}

/** Priorities a finding never drops below: known exploitation, and a leaked credential. */
function priorityFloors(
  subject: RiskSubject,
  intel: IntelRecord | undefined,
  policy: RiskPolicy,
): Array<[applies: boolean, level: Priority, reason: string]> {
  const secret = subject.category === "secret" || subject.secret !== undefined;
  const verified = subject.secret?.verified === true;
  return [
    [Boolean(intel?.kev), policy.kevPriorityFloor, "KEV-listed"],
    [secret && verified, policy.secretPriorityFloor.verified, "verified live secret"],
    [secret && !verified, policy.secretPriorityFloor.unverified, "leaked secret"],
  ];
}

/** The CVSS we score with: the vector re-scored when it parses, else the reported score. */
export function effectiveCvss(subject: Pick<RiskSubject, "cvss">): CvssScore | undefined {
  const cvss = subject.cvss;
  if (!cvss) return undefined;
  const scored = cvss.vector ? scoreCvssVector(cvss.vector, cvss.version) : undefined;
  if (scored) return scored;
  return cvss.score === undefined ? undefined : { version: cvss.version, score: cvss.score };
}

/** Active if KEV-listed; poc if EPSS reaches the policy threshold or the tool reports an exploit. */
export function exploitationOf(
  subject: Pick<RiskSubject, "exploit">,
  intel: IntelRecord | undefined,
  policy: RiskPolicy,
): Exploitation {
  if (intel?.kev) return "active";
  if (intel?.epss && intel.epss.score >= policy.epss.pocThreshold) return "poc";
  if (subject.exploit === "active" || subject.exploit === "poc") return "poc";
  return "none";
}

/** Yes when the app faces the internet and the flaw is network-reachable (CVSS AV:N, or found by DAST). */
export function automatableOf(subject: Pick<RiskSubject, "cvss" | "category">, app: AppContext): Automatable {
  if (app.exposure !== "internet") return "no";
  return subject.category === "dast" || isNetworkAttackVector(subject.cvss?.vector) ? "yes" : "no";
}

/** Total for the policy's severities (default critical/high) or an RCE-class CWE; else partial. */
export function technicalImpactOf(
  subject: Pick<RiskSubject, "severity" | "cwes">,
  cvss: CvssScore | undefined,
  policy: RiskPolicy,
): TechnicalImpact {
  // the worse of the tool's word and the CVSS band: tools disagree, and under-calling impact is the costly error
  const fromScore = cvss ? severityFromScore(cvss.score) : subject.severity;
  const severity = severityRank(fromScore) > severityRank(subject.severity) ? fromScore : subject.severity;
  if (policy.technicalImpact.totalSeverities.includes(severity)) return "total";
  const rce = new Set(policy.technicalImpact.rceCwes);
  return subject.cwes.some((cwe) => rce.has(normalizeCwe(cwe) ?? cwe)) ? "total" : "partial";
}

/** The higher of the criticality and data-sensitivity lookups (docs/RISK.md, "Mission & well-being"). */
export function missionOf(app: Pick<AppContext, "criticality" | "data">, policy: RiskPolicy): MissionLevel {
  const a = policy.mission.byCriticality[app.criticality];
  const b = policy.mission.byData[app.data];
  return MISSION_LEVELS.indexOf(a) >= MISSION_LEVELS.indexOf(b) ? a : b;
}

/** One line per factor: `KEV: known exploited, +35`. */
export function renderFactor(factor: RiskFactor): string {
  return `${factor.name}: ${factor.value}, ${factor.effect >= 0 ? "+" : ""}${factor.effect}`;
}

/** The whole explanation, as tickets and the API show it. */
export function explainRisk(score: RiskScore): string[] {
  const s = score.ssvc;
  return [
    ...score.factors.map(renderFactor),
    `= risk ${score.risk}`,
    `SSVC: exploitation ${s.exploitation}, automatable ${s.automatable}, technical impact ${s.technicalImpact}, mission ${s.mission} → ${score.decision}`,
    `Priority: ${score.priority}${score.floor ? ` (${score.floor.reason} floor; table says ${score.floor.from})` : ""}`,
    `Due: ${score.dueAt} (${score.dueBy === "kev" ? "KEV due date" : `SLA ${score.priority}`})`,
    ...(score.suppressed ? [`Suppressed: ${score.suppressed.reason}`] : []),
  ];
}

function sum(factors: readonly RiskFactor[]): number {
  return factors.reduce((total, f) => total + f.effect, 0);
}
