import { SEVERITIES, type Severity } from "./finding.ts";

const RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };

export function severityRank(severity: Severity): number {
  return RANK[severity];
}

export function maxSeverity(a: Severity, b: Severity): Severity {
  return RANK[a] >= RANK[b] ? a : b;
}

/** CVSS v3/v4 qualitative rating scale (FIRST): 0 none, 0.1-3.9 low, 4-6.9 medium, 7-8.9 high, 9+ critical. */
export function severityFromScore(score: number): Severity {
  if (score >= 9) return "critical";
  if (score >= 7) return "high";
  if (score >= 4) return "medium";
  if (score > 0) return "low";
  return "info";
}

const WORDS: Record<string, Severity> = {
  critical: "critical",
  crit: "critical",
  blocker: "critical",
  high: "high",
  error: "high",
  major: "medium",
  important: "high",
  medium: "medium",
  moderate: "medium",
  warning: "medium",
  low: "low",
  minor: "low",
  note: "low",
  negligible: "info",
  info: "info",
  informational: "info",
  information: "info",
  none: "info",
  trace: "info",
  unknown: "info",
  undefined: "info",
};

/** Maps a tool's severity word to ours; unknown words return undefined so callers choose the default. */
export function severityFromWord(word: string | undefined | null): Severity | undefined {
  if (!word) return undefined;
  return WORDS[word.trim().toLowerCase()];
}

export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}
