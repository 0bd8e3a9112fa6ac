import { z } from "zod";
import { AppId } from "./app.ts";
import { Category, Severity } from "./finding.ts";
import { Priority } from "./risk-policy.ts";
import { FindingStatus, type TrackedFinding } from "./tracked-finding.ts";

/**
 * Finding filters as query parameters: strict (an unknown name is an error, never ignored), lists
 * comma separated, every value validated. The same filter drives the HTTP API and `aspm findings`.
 */

const list = <T extends z.ZodType<string, string>>(item: T) =>
  z
    .string()
    .transform((raw) =>
      raw
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item).min(1));

export const CVE_PATTERN = /^CVE-\d{4}-\d{4,}$/;

export const FindingFilter = z.strictObject({
  app: AppId.optional(),
  team: z.string().min(1).max(100).optional(),
  status: list(FindingStatus).optional(),
  severity: list(Severity).optional(),
  priority: list(Priority).optional(),
  category: list(Category).optional(),
  tool: z.string().min(1).max(100).optional(),
  cve: z
    .string()
    .transform((s) => s.toUpperCase())
    .pipe(z.string().regex(CVE_PATTERN, "a CVE id like CVE-2021-44228"))
    .optional(),
  kev: z.enum(["true", "false"]).optional(),
  dueBefore: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
  text: z.string().min(1).max(200).optional(),
});
export type FindingFilter = z.infer<typeof FindingFilter>;

export const PageQuery = z.strictObject({
  cursor: z.string().max(2000).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

export function isKev(f: TrackedFinding): boolean {
  return f.score?.factors.some((factor) => factor.name === "KEV") ?? false;
}

/** Every condition of the filter, applied to one finding (the key condition only narrows the read). */
export function matchesFilter(f: TrackedFinding, q: FindingFilter): boolean {
  if (q.app && f.appId !== q.app) return false;
  if (q.team && f.team !== q.team) return false;
  if (q.status && !q.status.includes(f.status)) return false;
  if (q.severity && !q.severity.includes(f.severity)) return false;
  if (q.priority && !(f.score && q.priority.includes(f.score.priority))) return false;
  if (q.category && !q.category.includes(f.category)) return false;
  if (q.tool) {
    const tool = q.tool.toLowerCase();
    if (!Object.values(f.sources).some((s) => s.tool.toLowerCase() === tool)) return false;
  }
  if (q.cve) {
    const ids = [f.cve, f.vulnerability?.id, ...(f.vulnerability?.aliases ?? [])];
    if (!ids.some((id) => id?.toUpperCase() === q.cve)) return false;
  }
  if (q.kev && isKev(f) !== (q.kev === "true")) return false;
  if (q.dueBefore) {
    const due = f.score?.dueAt;
    if (!due || Date.parse(due) >= Date.parse(q.dueBefore)) return false;
  }
  if (q.text) {
    const needle = q.text.toLowerCase();
    const hay = [
      f.title,
      f.rule.id,
      f.rule.name,
      f.location.file,
      f.location.url,
      f.package?.name,
      f.cve,
      f.vulnerability?.id,
    ];
    if (!hay.some((h) => h?.toLowerCase().includes(needle))) return false;
  }
  return true;
}

/** A finding's public reference: app and id, so it resolves with one key lookup. */
export function findingRef(appId: string, findingId: string): string {
  return `${appId}:${findingId}`;
}

export const FindingRef = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,99}:[0-9a-f]{8,64}$/, "a finding reference: APP:ID")
  .transform((ref) => {
    const at = ref.lastIndexOf(":");
    return { appId: ref.slice(0, at), findingId: ref.slice(at + 1) };
  });
