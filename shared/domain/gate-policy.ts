import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { CATEGORIES, Severity } from "./finding.ts";
import type { Gate, GateFinding } from "./gate.ts";
import { Priority } from "./risk-policy.ts";

/**
 * What blocks a merge (`aspm-policy.yaml`): rules over the new findings of a pull-request scan.
 * A rule matches on priority, severity, category or KEV; `block` fails the build and `warn` only
 * reports. A rule's grace period lets a new rule warn for some days after it takes effect before it
 * blocks. Findings an active exception covers, or that a person closed as a false positive or
 * mitigated, never block.
 *
 *   default:
 *     rules:
 *       - { id: new-p1-p2, when: { priority: [P1, P2] }, mode: block }
 *   apps:
 *     payments-api:
 *       rules: [...]
 */

const Rule = z.strictObject({
  id: z.string().min(1).max(100),
  when: z
    .strictObject({
      priority: z.array(Priority).min(1).optional(),
      severity: z.array(Severity).min(1).optional(),
      category: z.array(z.enum(CATEGORIES)).min(1).optional(),
      kev: z.boolean().optional(),
    })
    .refine((w) => Object.keys(w).length > 0, { message: "a rule needs at least one condition" }),
  mode: z.enum(["warn", "block"]),
  grace: z
    .strictObject({
      /** The day the rule took effect. */
      since: z.iso.date(),
      /** It only warns for this many days from then. */
      days: z.number().int().min(0).max(3650),
    })
    .optional(),
});
export type GateRule = z.infer<typeof Rule>;

const RuleSet = z.strictObject({ rules: z.array(Rule) });

export const GatePolicy = z.strictObject({
  default: RuleSet.optional(),
  apps: z.record(z.string(), RuleSet).optional(),
});
export type GatePolicy = z.infer<typeof GatePolicy>;

/** Without a policy file: any new P1/P2, KEV or secret blocks. */
export const DEFAULT_RULES: GateRule[] = [
  { id: "new-p1-p2", when: { priority: ["P1", "P2"] }, mode: "block" },
  { id: "new-kev", when: { kev: true }, mode: "block" },
  { id: "new-secret", when: { category: ["secret"] }, mode: "block" },
];

export class PolicyError extends Error {
  override readonly name = "PolicyError";
}

export function parsePolicy(text: string): GatePolicy {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new PolicyError(`not YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  const parsed = GatePolicy.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PolicyError(`${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

export function rulesFor(policy: GatePolicy | undefined, appId: string): GateRule[] {
  return policy?.apps?.[appId]?.rules ?? policy?.default?.rules ?? DEFAULT_RULES;
}

function matches(rule: GateRule, f: GateFinding): boolean {
  const w = rule.when;
  if (w.priority && !(f.priority && w.priority.includes(f.priority))) return false;
  if (w.severity && !w.severity.includes(f.severity)) return false;
  if (w.category && !w.category.includes(f.category)) return false;
  if (w.kev !== undefined && f.kev !== w.kev) return false;
  return true;
}

function inGrace(rule: GateRule, now: Date): boolean {
  if (!rule.grace) return false;
  const ends = Date.parse(`${rule.grace.since}T00:00:00Z`) + rule.grace.days * 86_400_000;
  return now.getTime() < ends;
}

export interface GateHit {
  finding: GateFinding;
  rules: string[];
}

export interface GateDecision {
  outcome: "pass" | "warn" | "block";
  blocking: GateHit[];
  warnings: GateHit[];
  /** New findings an exception or a person's triage covers. */
  excepted: GateFinding[];
  /** The scan kept fewer findings than it found: the decision covers the riskiest ones. */
  truncated: boolean;
}

export function evaluateGate(gate: Gate, rules: readonly GateRule[], now: Date): GateDecision {
  const blocking: GateHit[] = [];
  const warnings: GateHit[] = [];
  const excepted: GateFinding[] = [];
  for (const finding of gate.findings ?? []) {
    if (finding.exception || finding.closedAs) {
      excepted.push(finding);
      continue;
    }
    const hit = rules.filter((r) => matches(r, finding));
    const blockers = hit.filter((r) => r.mode === "block" && !inGrace(r, now));
    if (blockers.length) blocking.push({ finding, rules: blockers.map((r) => r.id) });
    else if (hit.length)
      warnings.push({ finding, rules: hit.map((r) => (inGrace(r, now) ? `${r.id} (grace)` : r.id)) });
  }
  return {
    outcome: blocking.length ? "block" : warnings.length ? "warn" : "pass",
    blocking,
    warnings,
    excepted,
    truncated: gate.truncated === true,
  };
}
