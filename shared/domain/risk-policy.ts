import { z } from "zod";
import { normalizeCwe } from "./cwe.ts";
import { Severity, VexState } from "./finding.ts";
import { MissionLevel } from "./ssvc.ts";

/**
 * Every number the risk engine uses, as one validated configuration object. Defaults are the
 * published ones (docs/RISK.md); an installation overrides any subset, e.g.
 * `parseRiskPolicy({ slaDays: { P1: 3 } })` keeps every other default. Unknown keys are rejected so a
 * typo (`slaDay`) fails loudly instead of silently keeping the default.
 */

export const PRIORITIES = ["P1", "P2", "P3", "P4"] as const;
export const Priority = z.enum(PRIORITIES);
export type Priority = z.infer<typeof Priority>;

/** A score effect: integers only, so the factor effects sum to the integer risk exactly. */
const effect = (fallback: number) => z.number().int().min(-100).max(100).default(fallback);
const bonus = (fallback: number) => z.number().int().min(0).max(100).default(fallback);
const penalty = (fallback: number) => z.number().int().min(-100).max(0).default(fallback);
const mission = (fallback: MissionLevel) => MissionLevel.default(fallback);

export const EpssBand = z.strictObject({
  name: z.string().min(1).max(40),
  /** Inclusive lower bound on the EPSS percentile (0..1). */
  minPercentile: z.number().min(0).max(1),
  points: effect(0),
});
export type EpssBand = z.infer<typeof EpssBand>;

const CweId = z.string().transform((value, ctx) => {
  const cwe = normalizeCwe(value);
  if (!cwe) ctx.addIssue({ code: "custom", message: `not a CWE id: ${value}` });
  return cwe ?? value;
});

const Weights = z.strictObject({
  /** Points per CVSS base-score unit: 9.8 × 4 = 39. */
  cvssPointsPerUnit: z.number().min(0).max(10).default(4),
  /** Used when no CVSS score is known: roughly the middle of each CVSS band × 4. */
  severity: z
    .strictObject({
      critical: bonus(38),
      high: bonus(30),
      medium: bonus(20),
      low: bonus(8),
      info: bonus(0),
    })
    .prefault({}),
  kev: bonus(35),
  kevRansomware: bonus(5),
  /** Exploit maturity the tool reports; not added again when KEV already says exploited. */
  exploit: z.strictObject({ active: bonus(20), poc: bonus(10) }).prefault({}),
  reachability: z.strictObject({ reachable: bonus(5), unreachable: penalty(-20) }).prefault({}),
  vexExploitable: bonus(5),
  devDependency: penalty(-15),
  transitiveDependency: penalty(-5),
  criticality: z
    .strictObject({ critical: effect(10), high: effect(5), medium: effect(0), low: effect(-10) })
    .prefault({}),
  exposure: z.strictObject({ internet: effect(10), internal: effect(0) }).prefault({}),
  data: z
    .strictObject({ phi: effect(8), pci: effect(8), pii: effect(5), internal: effect(0), none: effect(-5) })
    .prefault({}),
  environment: z
    .strictObject({ production: effect(0), staging: effect(-10), development: effect(-20) })
    .prefault({}),
  /** Per declared compensating control, and the most all controls together may take off. */
  compensatingControl: penalty(-5),
  compensatingControlsFloor: penalty(-10),
  /** Age: `pointsPerStep` for every full `stepDays` since first seen, capped at `max`. */
  age: z
    .strictObject({
      stepDays: z.number().int().min(1).max(3650).default(30),
      pointsPerStep: bonus(1),
      max: bonus(10),
    })
    .prefault({}),
});

const DEFAULT_EPSS_BANDS: EpssBand[] = [
  { name: "top 1%", minPercentile: 0.99, points: 15 },
  { name: "top 5%", minPercentile: 0.95, points: 10 },
  { name: "top 10%", minPercentile: 0.9, points: 5 },
  { name: "below top 10%", minPercentile: 0, points: 0 },
];

const Epss = z.strictObject({
  /** The EPSS model the thresholds were chosen for; EPSS v5 (v2026.06.15) recalibrated scores. */
  calibratedFor: z.string().max(40).default("v2026.06.15"),
  /** EPSS probability at or above which SSVC Exploitation is `poc` (≈ the 95th percentile under v2026.06.15). */
  pocThreshold: z.number().min(0).max(1).default(0.1),
  /** Percentile bands, highest first after parsing; exactly one must start at 0 so every CVE has a band. */
  bands: z
    .array(EpssBand)
    .min(1)
    .max(20)
    .default(DEFAULT_EPSS_BANDS)
    .superRefine((bands, ctx) => {
      const names = new Set(bands.map((b) => b.name));
      if (names.size !== bands.length)
        ctx.addIssue({ code: "custom", message: "EPSS band names must be unique" });
      const floors = bands.filter((b) => b.minPercentile === 0).length;
      if (floors !== 1)
        ctx.addIssue({ code: "custom", message: "exactly one EPSS band must have minPercentile 0" });
    })
    .transform((bands) => [...bands].sort((a, b) => b.minPercentile - a.minPercentile)),
});

const TechnicalImpactRule = z.strictObject({
  /** Severities that mean SSVC Technical impact `total`. */
  totalSeverities: z.array(Severity).default(["critical", "high"]),
  /** Code-execution weakness classes that mean `total` whatever the severity. */
  rceCwes: z
    .array(CweId)
    .max(200)
    .default([
      "CWE-77",
      "CWE-78",
      "CWE-88",
      "CWE-94",
      "CWE-95",
      "CWE-96",
      "CWE-98",
      "CWE-434",
      "CWE-470",
      "CWE-502",
      "CWE-917",
      "CWE-1336",
    ]),
});

/** SSVC Mission & well-being = the higher of the two lookups. */
const Mission = z.strictObject({
  byCriticality: z
    .strictObject({
      critical: mission("high"),
      high: mission("medium"),
      medium: mission("medium"),
      low: mission("low"),
    })
    .prefault({}),
  byData: z
    .strictObject({
      phi: mission("high"),
      pci: mission("high"),
      pii: mission("medium"),
      internal: mission("low"),
      none: mission("low"),
    })
    .prefault({}),
});

const SlaDays = z
  .strictObject({
    P1: z.number().int().min(1).max(3650).default(7),
    P2: z.number().int().min(1).max(3650).default(30),
    P3: z.number().int().min(1).max(3650).default(90),
    P4: z.number().int().min(1).max(3650).default(180),
  })
  .refine((d) => d.P1 <= d.P2 && d.P2 <= d.P3 && d.P3 <= d.P4, {
    message: "SLA days must not shrink as priority drops (P1 ≤ P2 ≤ P3 ≤ P4)",
  });

export const RiskPolicy = z.strictObject({
  weights: Weights.prefault({}),
  epss: Epss.prefault({}),
  technicalImpact: TechnicalImpactRule.prefault({}),
  mission: Mission.prefault({}),
  /** A KEV-listed finding is never below this priority (CISA's table alone can say Track). */
  kevPriorityFloor: Priority.default("P2"),
  /**
   * A leaked credential is never below these, whatever the table says (it says Track for most: no
   * CVE, no CVSS vector). Verified means the tool logged in with it: a live key is P1. Otherwise
   * (unverified, or a tool that does not verify) it still has to be rotated: P3.
   */
  secretPriorityFloor: z
    .strictObject({ verified: Priority.default("P1"), unverified: Priority.default("P3") })
    .prefault({}),
  slaDays: SlaDays.prefault({}),
  /** VEX states that mean "this product is not affected": risk 0, kept with the reason. */
  vexSuppressStates: z.array(VexState).default(["not_affected"]),
});
export type RiskPolicy = z.infer<typeof RiskPolicy>;
export type RiskPolicyInput = z.input<typeof RiskPolicy>;

export class RiskPolicyError extends Error {
  override readonly name = "RiskPolicyError";
}

/** Validates an override (any subset of the policy) on top of the defaults, with a readable error. */
export function parseRiskPolicy(input: unknown = {}): RiskPolicy {
  const parsed = RiskPolicy.safeParse(input);
  if (parsed.success) return parsed.data;
  const message = parsed.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join(".") : "(root)"}: ${issue.message}`)
    .join("; ");
  throw new RiskPolicyError(`invalid risk policy: ${message}`);
}

export const DEFAULT_RISK_POLICY: RiskPolicy = parseRiskPolicy({});

/** The band an EPSS percentile falls in (bands are sorted highest first and one starts at 0). */
export function epssBandFor(percentile: number, policy: RiskPolicy): EpssBand {
  const bands = policy.epss.bands;
  const band = bands.find((b) => percentile >= b.minPercentile) ?? bands[bands.length - 1];
  // the schema guarantees at least one band, with one at 0
  if (!band) throw new RiskPolicyError("risk policy has no EPSS bands");
  return band;
}

/** Rank of a band, 0 = lowest; higher means more likely exploited. */
export function epssBandRank(band: EpssBand, policy: RiskPolicy): number {
  return policy.epss.bands.length - 1 - policy.epss.bands.findIndex((b) => b.name === band.name);
}
