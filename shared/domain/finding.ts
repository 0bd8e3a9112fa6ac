import { z } from "zod";
import { Component } from "./component.ts";

/**
 * The normalized finding: provider fields only, as one scanner observed them in one scan.
 * Names follow OCSF Vulnerability Finding (class 2002) where OCSF has one. Triage fields
 * (status overrides, exceptions, owners, notes) live on the correlated finding, never here,
 * so a re-upload can never clobber them.
 */

export const CATEGORIES = ["sast", "sca", "secret", "iac", "container", "dast"] as const;
export const Category = z.enum(CATEGORIES);
export type Category = z.infer<typeof Category>;

export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export const Severity = z.enum(SEVERITIES);
export type Severity = z.infer<typeof Severity>;

/** Bounds that keep items small and stop a hostile report from inflating storage. */
export const LIMITS = {
  title: 300,
  description: 4000,
  shortText: 500,
  ids: 50,
  references: 20,
  fixedVersions: 20,
  url: 2000,
  path: 1024,
} as const;

export const Cvss = z.object({
  version: z.enum(["2.0", "3.0", "3.1", "4.0"]),
  vector: z.string().max(LIMITS.shortText).optional(),
  score: z.number().min(0).max(10).optional(),
});
export type Cvss = z.infer<typeof Cvss>;

export const VulnerabilityRef = z.object({
  /** The id the tool reports first (CVE-…, GHSA-…, GO-…, RUSTSEC-…, NSWG-ECO-…, SNYK-…). */
  id: z.string().max(200),
  /** Other ids the tool says name the same vulnerability. */
  aliases: z.array(z.string().max(200)).max(LIMITS.ids),
});
export type VulnerabilityRef = z.infer<typeof VulnerabilityRef>;

export const PackageRef = z.object({
  /** Canonical package URL (packageurl-js), with the installed version. */
  purl: z.string().max(LIMITS.path).optional(),
  /** Ecosystem as the purl type (npm, maven, pypi, golang, cargo, gem, deb, apk, rpm, nuget, …). */
  ecosystem: z.string().max(50).optional(),
  name: z.string().max(LIMITS.path),
  version: z.string().max(200).optional(),
  fixedVersions: z.array(z.string().max(200)).max(LIMITS.fixedVersions),
  /** Direct dependency (true) or transitive (false); absent when the tool does not say. */
  direct: z.boolean().optional(),
  /** Runtime or development-only; absent when the tool does not say. */
  scope: z.enum(["runtime", "dev"]).optional(),
  /** Manifest or lock file the package was found in (repo-relative). */
  manifest: z.string().max(LIMITS.path).optional(),
});
export type PackageRef = z.infer<typeof PackageRef>;

/**
 * Where the problem is. Code findings use file + lines; DAST uses url + method + parameter;
 * IaC uses resource (+ file); container uses image (+ package).
 */
export const Location = z.object({
  file: z.string().max(LIMITS.path).optional(),
  startLine: z.number().int().nonnegative().optional(),
  endLine: z.number().int().nonnegative().optional(),
  /** sha256 (hex, 16 chars) of the whitespace-normalized snippet: survives line shifts. */
  snippetHash: z.string().max(64).optional(),
  url: z.string().max(LIMITS.url).optional(),
  method: z.string().max(20).optional(),
  parameter: z.string().max(LIMITS.shortText).optional(),
  resource: z.string().max(LIMITS.path).optional(),
  image: z.string().max(LIMITS.path).optional(),
});
export type Location = z.infer<typeof Location>;

/** A secret as we keep it: never the value, only a salted hash and a masked preview. */
export const SecretRef = z.object({
  /** hex sha256(salt + secret). */
  hash: z.string().length(64),
  /** First 4 characters, then the length: `AKIA…(20)`. */
  preview: z.string().max(40),
  verified: z.boolean().optional(),
});
export type SecretRef = z.infer<typeof SecretRef>;

export const VexState = z.enum([
  "not_affected",
  "affected",
  "fixed",
  "under_investigation",
  "exploitable",
  "false_positive",
  "resolved",
  "in_triage",
]);
export type VexState = z.infer<typeof VexState>;

export const NormalizedFinding = z.object({
  category: Category,
  tool: z.object({ name: z.string().max(100), version: z.string().max(100).optional() }),
  rule: z.object({ id: z.string().max(LIMITS.shortText), name: z.string().max(LIMITS.shortText).optional() }),
  title: z.string().max(LIMITS.title),
  description: z.string().max(LIMITS.description).optional(),
  severity: Severity,
  /** The tool's own severity words, kept for audit (`riskcode=3 confidence=2`, `HIGH`, `error`). */
  rawSeverity: z.string().max(100).optional(),
  confidence: z.enum(["high", "medium", "low"]).optional(),
  cvss: Cvss.optional(),
  vulnerability: VulnerabilityRef.optional(),
  /** Normalized `CWE-<n>` ids. */
  cwes: z.array(z.string().max(20)).max(LIMITS.ids),
  package: PackageRef.optional(),
  location: Location,
  /** Tool fingerprints (SARIF partialFingerprints, Semgrep fingerprint, …): name → value. */
  fingerprints: z.record(z.string(), z.string().max(LIMITS.shortText)),
  reachability: z.enum(["reachable", "unreachable", "unknown"]).optional(),
  vex: z
    .object({
      state: VexState,
      justification: z.string().max(LIMITS.shortText).optional(),
      detail: z.string().max(LIMITS.description).optional(),
    })
    .optional(),
  /** Exploit maturity the tool asserts (Snyk exploitMaturity, Nuclei/KEV-like tags). */
  exploit: z.enum(["active", "poc", "none"]).optional(),
  secret: SecretRef.optional(),
  /** The tool says the result is suppressed (SARIF suppressions, nosemgrep, ignored). Kept, not dropped. */
  suppressed: z
    .object({ kind: z.string().max(50), justification: z.string().max(LIMITS.shortText).optional() })
    .optional(),
  /** SARIF baselineState when present. */
  baselineState: z.enum(["new", "unchanged", "updated", "absent"]).optional(),
  /** The tool's own id for this result (result guid, alert id, match id). */
  toolId: z.string().max(LIMITS.shortText).optional(),
  remediation: z.string().max(LIMITS.description).optional(),
  references: z.array(z.string().max(LIMITS.url)).max(LIMITS.references),
  tags: z.array(z.string().max(100)).max(LIMITS.ids),
});
export type NormalizedFinding = z.infer<typeof NormalizedFinding>;

/** A whole parsed report: what `aspm parse --json` prints and what `normalize` stores. */
export const NormalizedReport = z.object({
  format: z.string(),
  tool: z.object({ name: z.string(), version: z.string().optional() }),
  /** The scanned artifact the report names (image, lock file, site): part of the scope. */
  artifact: z.string().optional(),
  count: z.number().int().nonnegative(),
  findings: z.array(NormalizedFinding),
  /** Components the report lists (SBOMs), for the inventory; SCA findings' packages are added to them. */
  components: z.array(Component).optional(),
});
export type NormalizedReport = z.infer<typeof NormalizedReport>;
