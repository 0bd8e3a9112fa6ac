import { z } from "zod";
import { AppId } from "./app.ts";
import { Gate } from "./gate.ts";
import { shortHash } from "./hash.ts";
import { ScanCounts } from "./scan-counts.ts";

export const ScanStatus = z.enum(["pending", "normalized", "processed", "failed"]);
export type ScanStatus = z.infer<typeof ScanStatus>;

export const ScanStage = z.enum(["upload", "normalize", "correlate"]);
export type ScanStage = z.infer<typeof ScanStage>;

/** Statuses of a scan still on its way; every scan must leave them, processed or failed. */
export const IN_FLIGHT: readonly ScanStatus[] = ["pending", "normalized"];

export const Scan = z.object({
  scanId: z.string(),
  appId: AppId,
  status: ScanStatus,
  toolHint: z.string().optional(),
  /** Format id forced at upload (`--format`), else detected. */
  formatHint: z.string().optional(),
  format: z.string().optional(),
  tool: z.object({ name: z.string(), version: z.string().optional() }).optional(),
  repo: z.string().optional(),
  branch: z.string().optional(),
  commit: z.string().optional(),
  /** Commit (or scan) time given at upload: orders scans of one scope. */
  commitTime: z.string().optional(),
  /** What was scanned (image, path, URL); part of the scope. */
  target: z.string().optional(),
  /** The scanned artifact the report itself names (image repository, lock file, BOM subject); part of the scope. */
  artifact: z.string().optional(),
  tracked: z.boolean(),
  /** Object key of the CODEOWNERS file sent with the scan, if any. */
  codeownersKey: z.string().optional(),
  scopeId: z.string().optional(),
  lifecycle: z.enum(["applied", "stale", "untracked"]).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  rawBytes: z.number().optional(),
  counts: ScanCounts.optional(),
  /** For untracked (PR) scans: what the gate compares against the tracked baseline. */
  gate: Gate.optional(),
  failure: z
    .object({
      reason: z.string(),
      stage: ScanStage,
      at: z.string(),
      /**
       * Not the report's fault (a crash, an outage, a time-out): replaying its dead-lettered message
       * (`aspm dlq replay`) may still process it. Bad input is final.
       */
      retryable: z.boolean().optional(),
    })
    .optional(),
  /** The raw object normalize read: a later overwrite through the same presigned POST cannot pass for it. */
  raw: z.object({ etag: z.string().optional(), versionId: z.string().optional() }).optional(),
  /** A later upload to this scan's key after it was read (reported, never processed). */
  rawOverwrittenAt: z.string().optional(),
});
export type Scan = z.infer<typeof Scan>;

/** The stage a scan in flight is waiting on. */
export function stageOf(scan: Pick<Scan, "status" | "failure">): ScanStage {
  if (scan.status === "failed") return scan.failure?.stage ?? "normalize";
  return scan.status === "normalized" ? "correlate" : "normalize";
}

/** A scan that failed for reasons other than its input, at the given stage: a replay may process it. */
export function retryableAt(scan: Pick<Scan, "status" | "failure">, stage: ScanStage): boolean {
  return scan.status === "failed" && scan.failure?.retryable === true && scan.failure.stage === stage;
}

/** What a scope is made of: the report's kind and artifact keep two reports of one tool apart. */
export interface ScopeKey {
  appId: string;
  toolName: string;
  /** Format id as normalized (`trivy-json`, `cyclonedx-xml`, …). */
  format: string;
  /** The artifact the report names (NormalizedReport.artifact), if any. */
  artifact?: string | undefined;
  /** The upload's target (`--target`, else the repo, else `default`). */
  target: string;
  branch: string;
}

/**
 * The kind of report a format is: its id without the serialization, so a tool's JSON and XML
 * output of one scan (cyclonedx-json, cyclonedx-xml) are one kind and replace each other.
 */
export function reportKindOf(format: string): string {
  return format.replace(/-(json|xml|csv)$/, "");
}

/**
 * Scope = (app, tool, report kind, artifact, target, tracked branch): a scan replaces its scope's
 * previous state, and only that. A Trivy image report and a Trivy CycloneDX SBOM of one app are two
 * scopes, as are two images. The id is a hash so that it fits keys; untracked branches map to
 * their tracked baseline's scope.
 */
export function scopeIdOf(key: ScopeKey): string {
  return shortHash(
    [
      "scope/2",
      key.appId,
      key.toolName.toLowerCase(),
      key.target,
      key.branch,
      reportKindOf(key.format),
      key.artifact ?? "",
    ],
    12,
  );
}

/**
 * The id scopes had before they included the report kind and artifact: (app, tool, target,
 * branch). State written then is keyed by it; the first same-kind scan of the same app, tool,
 * target and branch adopts it (shared/domain/correlate.ts).
 */
export function legacyScopeIdOf(appId: string, toolName: string, target: string, branch: string): string {
  return shortHash([appId, toolName.toLowerCase(), target, branch], 12);
}
