import { z } from "zod";
import { Category, Cvss, Location, PackageRef, SecretRef, Severity, VulnerabilityRef } from "./finding.ts";
import { OWNER_SOURCES } from "./ownership.ts";
import { Priority } from "./risk-policy.ts";

/**
 * A finding as the system tracks it: one real problem in one app, with the scanners that see it
 * (sources), its lifecycle, its score and the fields people own (triage). Provider fields are
 * overwritten by scans; triage fields are never touched by correlation.
 */

export const FindingStatus = z.enum(["open", "resolved"]);
export type FindingStatus = z.infer<typeof FindingStatus>;

export const Source = z.object({
  scopeId: z.string(),
  tool: z.string(),
  toolVersion: z.string().optional(),
  ruleId: z.string(),
  nativeId: z.string().optional(),
  firstSeenAt: z.string(),
  lastScanId: z.string(),
  open: z.boolean(),
  closedAt: z.string().optional(),
  /** Results of its last scan merged into the finding, when more than one (absent: one). */
  observations: z.number().int().positive().optional(),
});
export type Source = z.infer<typeof Source>;

export const AuditEvent = z.object({
  at: z.string(),
  actor: z.string(),
  action: z.enum([
    "opened",
    "resolved",
    "reopened",
    "rescored",
    "triaged",
    "excepted",
    "owner-changed",
    "source-added",
    "source-closed",
  ]),
  from: z.string().optional(),
  to: z.string().optional(),
  reason: z.string().optional(),
  scanId: z.string().optional(),
});
export type AuditEvent = z.infer<typeof AuditEvent>;

export const Factor = z.object({ name: z.string(), value: z.string(), effect: z.number() });
export type Factor = z.infer<typeof Factor>;

export const Score = z.object({
  risk: z.number().min(0).max(100),
  decision: z.enum(["Act", "Attend", "Track*", "Track"]),
  priority: Priority,
  dueAt: z.string(),
  factors: z.array(Factor),
  suppressed: z.object({ reason: z.string() }).optional(),
});
export type Score = z.infer<typeof Score>;

/** Triage states a person sets that close a finding until its content changes. */
export const CLOSING_TRIAGE = ["false_positive", "mitigated"] as const;

export const Triage = z.object({
  status: z.enum(["confirmed", "false_positive", "mitigated", "wont_fix", "accepted_risk"]).optional(),
  /** For a closing status: the content it was judged on; a scan showing other content reopens it. */
  contentHash: z.string().optional(),
  owner: z.string().optional(),
  note: z.string().max(2000).optional(),
  by: z.string(),
  at: z.string(),
});
export type Triage = z.infer<typeof Triage>;

/** Provider view: what the scanners currently say (the highest-severity open observation wins). */
export const ProviderView = z.object({
  category: Category,
  title: z.string(),
  description: z.string().optional(),
  severity: Severity,
  rawSeverity: z.string().optional(),
  rule: z.object({ id: z.string(), name: z.string().optional() }),
  cvss: Cvss.optional(),
  vulnerability: VulnerabilityRef.optional(),
  cwes: z.array(z.string()),
  package: PackageRef.optional(),
  location: Location,
  secret: SecretRef.optional(),
  reachability: z.enum(["reachable", "unreachable", "unknown"]).optional(),
  vex: z
    .object({ state: z.string(), justification: z.string().optional(), detail: z.string().optional() })
    .optional(),
  exploit: z.enum(["active", "poc", "none"]).optional(),
  suppressedByTool: z.boolean().optional(),
  remediation: z.string().optional(),
  references: z.array(z.string()),
});
export type ProviderView = z.infer<typeof ProviderView>;

export const TrackedFinding = ProviderView.extend({
  findingId: z.string(),
  appId: z.string(),
  /** Canonical vulnerability id (a CVE when known): the by-CVE index key. */
  cve: z.string().optional(),
  correlationKey: z.string(),
  status: FindingStatus,
  firstSeenAt: z.string(),
  resolvedAt: z.string().optional(),
  reopenCount: z.number().int().nonnegative(),
  sources: z.record(z.string(), Source),
  contentHash: z.string(),
  team: z.string(),
  /** Which rule decided `team` (shared/domain/ownership.ts). */
  ownerSource: z.enum(OWNER_SOURCES).optional(),
  score: Score.optional(),
  triage: Triage.optional(),
  /** An active exception covering the finding: out of actionable counts, gates and tickets until it expires. */
  exception: z.object({ id: z.string(), reason: z.string(), expiresAt: z.string() }).optional(),
  /**
   * The scan and tool that first saw it: the "opened" audit event, kept on the item so a first
   * ingest costs one write per finding. Later events are items of their own (store/audit-store).
   */
  openedBy: z.object({ scanId: z.string(), tool: z.string() }).optional(),
});
export type TrackedFinding = z.infer<typeof TrackedFinding>;
