import { z } from "zod";

/**
 * The compact correlation state of one app: every scope's manifest (finding id → content hash and
 * severity rank), each finding's lifecycle state, learned aliases and cross-tool links. It is what
 * lets an unchanged re-scan write O(1) items: the diff happens here, not in the table. One writer per
 * app (FIFO group = app) owns it; the table's STATE item points at the committed version.
 */

/**
 * [content hash, severity rank 0..4, observations]: the third only when the scan reported the
 * finding more than once (duplicates within one tool), so older states read as 1.
 */
export const ManifestEntry = z.tuple(
  [z.string(), z.number().int().min(0).max(4)],
  z.number().int().positive(),
);
export type ManifestEntry = z.infer<typeof ManifestEntry>;

export const ScopeState = z.object({
  tool: z.string(),
  target: z.string(),
  branch: z.string(),
  /** Report kind and artifact (shared/domain/scan.ts); absent on scopes written before they were part of it. */
  kind: z.string().optional(),
  artifact: z.string().optional(),
  lastScanId: z.string(),
  lastScanAt: z.string(),
  lastCommitTime: z.string().optional(),
  findings: z.record(z.string(), ManifestEntry),
});
export type ScopeState = z.infer<typeof ScopeState>;

export const FindingState = z.object({
  /** o = open, r = resolved */
  st: z.enum(["o", "r"]),
  cat: z.string(),
  /** First seen (ISO), kept across resolve/reopen so SLA clocks continue. */
  fs: z.string(),
  /** SAST only, for cross-tool linking: tool, weakness class, file, line. */
  t: z.string().optional(),
  c: z.string().optional(),
  f: z.string().optional(),
  l: z.number().optional(),
  /** SCA only: the vulnerability id this finding was keyed on, and its key (to re-key on a learned alias). */
  v: z.string().optional(),
  k: z.string().optional(),
});
export type FindingState = z.infer<typeof FindingState>;

export const AppState = z.object({
  v: z.literal(1),
  appId: z.string(),
  scopes: z.record(z.string(), ScopeState),
  findings: z.record(z.string(), FindingState),
  /** natural id (hash of an observation's own key) → the finding it belongs to */
  links: z.record(z.string(), z.string()),
  /** non-CVE vulnerability id → CVE, learned from any report of this app */
  aliases: z.record(z.string(), z.string()),
});
export type AppState = z.infer<typeof AppState>;

export function emptyAppState(appId: string): AppState {
  return { v: 1, appId, scopes: {}, findings: {}, links: {}, aliases: {} };
}
