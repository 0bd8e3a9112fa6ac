import { z } from "zod";
import { Category, Severity } from "./finding.ts";
import { Priority } from "./risk-policy.ts";

/**
 * The merge gate of a pull-request (untracked) scan: what it adds and fixes against the tracked
 * branch's baseline, with enough about each new finding for a policy to decide and a person to act.
 */

/** At most this many new findings are kept on the scan item (counts stay exact). */
export const GATE_FINDINGS_CAP = 100;

export const GateFinding = z.object({
  id: z.string(),
  title: z.string(),
  severity: Severity,
  category: Category,
  priority: Priority.optional(),
  kev: z.boolean(),
  rule: z.string(),
  tool: z.string(),
  cve: z.string().optional(),
  file: z.string().optional(),
  line: z.number().int().optional(),
  /** An active exception covers it: listed, never blocking. */
  exception: z.object({ id: z.string(), reason: z.string() }).optional(),
  /** A person closed the same finding with this content as a false positive or mitigated. */
  closedAs: z.enum(["false_positive", "mitigated"]).optional(),
});
export type GateFinding = z.infer<typeof GateFinding>;

export const Gate = z.object({
  /** New findings that count (not excepted, not closed by a person). */
  newFindings: z.number().int().nonnegative(),
  newBySeverity: z.record(z.string(), z.number().int().nonnegative()),
  fixedFindings: z.number().int().nonnegative(),
  /** New findings an active exception or a person's triage already covers (not counted above). */
  excepted: z.number().int().nonnegative().optional(),
  /** Every new finding, counted or not, riskiest first, up to GATE_FINDINGS_CAP. */
  findings: z.array(GateFinding).max(GATE_FINDINGS_CAP).optional(),
  truncated: z.boolean().optional(),
});
export type Gate = z.infer<typeof Gate>;

const PRIORITY_RANK: Record<string, number> = { P1: 0, P2: 1, P3: 2, P4: 3 };
const SEVERITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

export function byRisk(a: GateFinding, b: GateFinding): number {
  return (
    Number(b.kev) - Number(a.kev) ||
    (PRIORITY_RANK[a.priority ?? "P4"] ?? 4) - (PRIORITY_RANK[b.priority ?? "P4"] ?? 4) ||
    (SEVERITY_RANK[a.severity] ?? 5) - (SEVERITY_RANK[b.severity] ?? 5) ||
    a.id.localeCompare(b.id)
  );
}
