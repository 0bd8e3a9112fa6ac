import { z } from "zod";

/**
 * SSVC (Stakeholder-Specific Vulnerability Categorization), CISA's coordinator decision tree.
 * The table below is CISA's 36-row table as CERT/CC encodes it in
 * `CERTCC/SSVC` `data/csv/cisa/cisa_coordinator_2_0_3.csv` at commit
 * 5513459d9f806904d0f90add28443827d5af4576 (decision points: Exploitation v1.1.0, Automatable v2.0.0,
 * Technical Impact v1.0.0, Mission and Well-Being Impact v1.0.0; outcome: CISA Levels v1.1.0).
 * Rows are in the CSV's order; the CSV writes `public poc` where we write `poc`.
 */

export const EXPLOITATIONS = ["none", "poc", "active"] as const;
export const Exploitation = z.enum(EXPLOITATIONS);
export type Exploitation = z.infer<typeof Exploitation>;

export const AUTOMATABLES = ["no", "yes"] as const;
export const Automatable = z.enum(AUTOMATABLES);
export type Automatable = z.infer<typeof Automatable>;

export const TECHNICAL_IMPACTS = ["partial", "total"] as const;
export const TechnicalImpact = z.enum(TECHNICAL_IMPACTS);
export type TechnicalImpact = z.infer<typeof TechnicalImpact>;

export const MISSION_LEVELS = ["low", "medium", "high"] as const;
export const MissionLevel = z.enum(MISSION_LEVELS);
export type MissionLevel = z.infer<typeof MissionLevel>;

/** CISA's outcomes, mildest first. */
export const SSVC_DECISIONS = ["Track", "Track*", "Attend", "Act"] as const;
export const SsvcDecision = z.enum(SSVC_DECISIONS);
export type SsvcDecision = z.infer<typeof SsvcDecision>;

export interface SsvcInputs {
  exploitation: Exploitation;
  automatable: Automatable;
  technicalImpact: TechnicalImpact;
  mission: MissionLevel;
}

export type SsvcRow = readonly [Exploitation, Automatable, TechnicalImpact, MissionLevel, SsvcDecision];

// biome-ignore format: one row per line reads like the CSV it mirrors
export const CISA_COORDINATOR_TABLE: readonly SsvcRow[] = [
  ["none", "no", "partial", "low", "Track"],
  ["none", "no", "partial", "medium", "Track"],
  ["none", "no", "partial", "high", "Track"],
  ["none", "no", "total", "low", "Track"],
  ["none", "no", "total", "medium", "Track"],
  ["none", "no", "total", "high", "Track*"],
  ["none", "yes", "partial", "low", "Track"],
  ["none", "yes", "partial", "medium", "Track"],
  ["none", "yes", "partial", "high", "Attend"],
  ["none", "yes", "total", "low", "Track"],
  ["none", "yes", "total", "medium", "Track"],
  ["none", "yes", "total", "high", "Attend"],
  ["poc", "no", "partial", "low", "Track"],
  ["poc", "no", "partial", "medium", "Track"],
  ["poc", "no", "partial", "high", "Track*"],
  ["poc", "no", "total", "low", "Track"],
  ["poc", "no", "total", "medium", "Track*"],
  ["poc", "no", "total", "high", "Attend"],
  ["poc", "yes", "partial", "low", "Track"],
  ["poc", "yes", "partial", "medium", "Track"],
  ["poc", "yes", "partial", "high", "Attend"],
  ["poc", "yes", "total", "low", "Track"],
  ["poc", "yes", "total", "medium", "Track*"],
  ["poc", "yes", "total", "high", "Attend"],
  ["active", "no", "partial", "low", "Track"],
  ["active", "no", "partial", "medium", "Track"],
  ["active", "no", "partial", "high", "Attend"],
  ["active", "no", "total", "low", "Track"],
  ["active", "no", "total", "medium", "Attend"],
  ["active", "no", "total", "high", "Act"],
  ["active", "yes", "partial", "low", "Attend"],
  ["active", "yes", "partial", "medium", "Attend"],
  ["active", "yes", "partial", "high", "Act"],
  ["active", "yes", "total", "low", "Attend"],
  ["active", "yes", "total", "medium", "Act"],
  ["active", "yes", "total", "high", "Act"],
];

const key = (e: Exploitation, a: Automatable, t: TechnicalImpact, m: MissionLevel) => `${e}|${a}|${t}|${m}`;

const LOOKUP = new Map<string, SsvcDecision>(
  CISA_COORDINATOR_TABLE.map(([e, a, t, m, d]) => [key(e, a, t, m), d]),
);

/** CISA's decision for one combination of the four decision points. */
export function decide(
  exploitation: Exploitation,
  automatable: Automatable,
  technicalImpact: TechnicalImpact,
  mission: MissionLevel,
): SsvcDecision {
  const decision = LOOKUP.get(key(exploitation, automatable, technicalImpact, mission));
  // unreachable with typed input: the table covers all 3×2×2×3 combinations (a test checks it)
  if (!decision)
    throw new Error(`SSVC: no row for ${key(exploitation, automatable, technicalImpact, mission)}`);
  return decision;
}
