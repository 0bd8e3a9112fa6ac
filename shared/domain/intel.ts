import { z } from "zod";
import { epssBandFor, epssBandRank, type RiskPolicy } from "./risk-policy.ts";
import { canonicalVulnId, isCve } from "./vulnerability-id.ts";

/**
 * Threat intel as the risk engine needs it: CISA KEV membership (with its due date) and EPSS
 * scores, parsed with zod into maps keyed by CVE and kept small (three fields per CVE), since a
 * snapshot holds ~380k EPSS rows. Fetching is the integration layer's job; this module only reads.
 */

const CVE_ID = /^CVE-\d{4}-\d{4,19}$/;

export class IntelError extends Error {
  override readonly name = "IntelError";
}

// ---------------------------------------------------------------------------------------------
// KEV

/** One catalog entry, as CISA's schema (known_exploited_vulnerabilities_schema.json) requires it. */
export const KevVulnerability = z.looseObject({
  cveID: z.string().regex(CVE_ID),
  vendorProject: z.string(),
  product: z.string(),
  vulnerabilityName: z.string(),
  dateAdded: z.iso.date(),
  shortDescription: z.string(),
  requiredAction: z.string(),
  dueDate: z.iso.date(),
  /** `Known` or `Unknown`; optional in CISA's schema. */
  knownRansomwareCampaignUse: z.string().optional(),
  notes: z.string().optional(),
  cwes: z.array(z.string().regex(/^CWE-\d+$/)).optional(),
});
export type KevVulnerability = z.infer<typeof KevVulnerability>;

export const KevFeed = z.looseObject({
  title: z.string().optional(),
  catalogVersion: z.string().min(1),
  dateReleased: z.iso.datetime({ offset: true }),
  count: z.number().int().nonnegative(),
  vulnerabilities: z.array(KevVulnerability).max(100_000),
});
export type KevFeed = z.infer<typeof KevFeed>;

export interface KevEntry {
  /** YYYY-MM-DD. */
  dateAdded: string;
  /** YYYY-MM-DD: the date CISA requires remediation by (3 days for many entries since BOD 26-04). */
  dueDate: string;
  ransomware: boolean;
}

export interface KevCatalog {
  catalogVersion: string;
  dateReleased: string;
  count: number;
  entries: Map<string, KevEntry>;
}

/** Marks the compact snapshot we ship (shared/intel/kev-snapshot.json) and regenerate with `aspm kev-snapshot`. */
export const KEV_SNAPSHOT_FORMAT = "aspm-kev-snapshot/1";

/**
 * The KEV catalog reduced to what scoring reads, one tuple per entry:
 * `[cveID, dateAdded, dueDate, ransomware 1|0]`. About 80 KB instead of 1.6 MB, so it ships in the
 * package as the offline default (no network in `aspm dev`, the demo or tests).
 */
export const KevSnapshot = z.strictObject({
  format: z.literal(KEV_SNAPSHOT_FORMAT),
  source: z.string().max(500),
  catalogVersion: z.string().min(1),
  dateReleased: z.iso.datetime({ offset: true }),
  count: z.number().int().nonnegative(),
  vulnerabilities: z
    .array(
      z.tuple([z.string().regex(CVE_ID), z.iso.date(), z.iso.date(), z.union([z.literal(0), z.literal(1)])]),
    )
    .max(100_000),
});
export type KevSnapshot = z.infer<typeof KevSnapshot>;

/** The compact snapshot of a full CISA feed (JSON text or parsed), entries in the feed's order. */
export function kevSnapshotOf(input: unknown, source: string): KevSnapshot {
  const feed = parseKevFeed(input);
  return {
    format: KEV_SNAPSHOT_FORMAT,
    source,
    catalogVersion: feed.catalogVersion,
    dateReleased: feed.dateReleased,
    count: feed.count,
    vulnerabilities: feed.vulnerabilities.map((v) => [
      v.cveID,
      v.dateAdded,
      v.dueDate,
      isRansomware(v.knownRansomwareCampaignUse) ? 1 : 0,
    ]),
  };
}

function isRansomware(flag: string | undefined): boolean {
  return flag?.trim().toLowerCase() === "known";
}

function parseJson(input: unknown): unknown {
  if (typeof input !== "string") return input;
  try {
    return JSON.parse(input);
  } catch (error) {
    throw new IntelError(
      `KEV catalog is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/**
 * A feed whose `count` disagrees with its list is rejected: that is what a truncated download
 * looks like, and keeping the previous snapshot is safer than un-listing CVEs.
 */
function checkCount(catalogVersion: string, count: number, listed: number): void {
  if (count !== listed)
    throw new IntelError(
      `KEV catalog ${catalogVersion} says count ${count} but lists ${listed} (truncated?)`,
    );
}

function parseKevFeed(input: unknown): KevFeed {
  const parsed = KevFeed.safeParse(parseJson(input));
  if (!parsed.success) throw new IntelError(`KEV catalog: ${describeIssue(parsed.error)}`);
  checkCount(parsed.data.catalogVersion, parsed.data.count, parsed.data.vulnerabilities.length);
  return parsed.data;
}

/**
 * Parses the KEV feed as CISA publishes it, or our compact snapshot of it (JSON text or an already
 * parsed value), into the catalog scoring reads.
 */
export function parseKevCatalog(input: unknown): KevCatalog {
  const value = parseJson(input);
  const isSnapshot =
    typeof value === "object" && value !== null && "format" in value && value.format === KEV_SNAPSHOT_FORMAT;
  if (isSnapshot) {
    const parsed = KevSnapshot.safeParse(value);
    if (!parsed.success) throw new IntelError(`KEV snapshot: ${describeIssue(parsed.error)}`);
    const s = parsed.data;
    checkCount(s.catalogVersion, s.count, s.vulnerabilities.length);
    return catalogOf(
      s,
      s.vulnerabilities.map(([cveID, dateAdded, dueDate, r]) => ({
        cveID,
        entry: { dateAdded, dueDate, ransomware: r === 1 },
      })),
    );
  }
  const feed = parseKevFeed(value);
  return catalogOf(
    feed,
    feed.vulnerabilities.map((v) => ({
      cveID: v.cveID,
      entry: {
        dateAdded: v.dateAdded,
        dueDate: v.dueDate,
        ransomware: isRansomware(v.knownRansomwareCampaignUse),
      },
    })),
  );
}

function catalogOf(
  feed: { catalogVersion: string; dateReleased: string; count: number },
  list: Array<{ cveID: string; entry: KevEntry }>,
): KevCatalog {
  const entries = new Map<string, KevEntry>();
  for (const { cveID, entry } of list) {
    // a CVE listed twice keeps the stricter (earlier) due date
    const seen = entries.get(cveID);
    entries.set(cveID, seen ? mergeKev(seen, entry) : entry);
  }
  return { catalogVersion: feed.catalogVersion, dateReleased: feed.dateReleased, count: feed.count, entries };
}

function mergeKev(a: KevEntry, b: KevEntry): KevEntry {
  return {
    dateAdded: earlierDay(a.dateAdded, b.dateAdded),
    dueDate: earlierDay(a.dueDate, b.dueDate),
    ransomware: a.ransomware || b.ransomware,
  };
}

/** YYYY-MM-DD strings order like the dates they name. */
function earlierDay(a: string, b: string): string {
  return a.localeCompare(b) <= 0 ? a : b;
}

// ---------------------------------------------------------------------------------------------
// EPSS

export interface EpssScore {
  /** Probability of exploitation activity in the next 30 days (0..1). */
  score: number;
  /** Share of scored CVEs with a lower or equal score (0..1). */
  percentile: number;
}

export interface EpssScores {
  /** From the `#model_version:…` comment line; files before 2022 have none. */
  modelVersion?: string;
  scoreDate?: string;
  entries: Map<string, EpssScore>;
}

/** The full daily file is ~11.6 MB for ~380k rows; anything far beyond is not an EPSS file. */
export const MAX_EPSS_CHARS = 64 * 1024 * 1024;

const EpssMetadata = z.object({
  model_version: z.string().min(1).max(40),
  score_date: z.iso.datetime({ offset: true }),
});

const NUMBER = String.raw`(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?`;
/** One data row; the regex splits it and checks the shape, the schema checks the ranges. */
const ROW = new RegExp(String.raw`^(CVE-\d{4}-\d{4,19}),(${NUMBER}),(${NUMBER})$`, "i");
const Probability = z.number().min(0).max(1);
const EpssRow = z.tuple([z.string(), Probability, Probability]);

/**
 * Parses the EPSS daily CSV: `#model_version:v2026.06.15,score_date:…`, then `cve,epss,percentile`,
 * then one row per CVE. Any malformed row fails the whole file with its line number: a half-read
 * file would silently drop CVEs out of their bands.
 */
export function parseEpssCsv(text: string): EpssScores {
  if (text.length > MAX_EPSS_CHARS) {
    throw new IntelError(`EPSS file is ${text.length} chars; the limit is ${MAX_EPSS_CHARS}`);
  }
  const lines = text.split("\n");
  let index = 0;
  let metadata: z.infer<typeof EpssMetadata> | undefined;
  const first = lines[0]?.trim() ?? "";
  if (first.startsWith("#")) {
    const parsed = EpssMetadata.safeParse(commentFields(first.slice(1)));
    if (!parsed.success)
      throw new IntelError(`EPSS line 1: bad metadata comment: ${describeIssue(parsed.error)}`);
    metadata = parsed.data;
    index = 1;
  }
  const header = (lines[index] ?? "").trim().toLowerCase();
  if (header !== "cve,epss,percentile") {
    throw new IntelError(
      `EPSS line ${index + 1}: expected the header cve,epss,percentile, got ${JSON.stringify(header.slice(0, 80))}`,
    );
  }
  const entries = new Map<string, EpssScore>();
  for (let i = index + 1; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim();
    if (!line) continue;
    const cells = ROW.exec(line);
    const row = cells
      ? EpssRow.safeParse([cells[1]?.toUpperCase(), Number(cells[2]), Number(cells[3])])
      : undefined;
    if (!row?.success) {
      throw new IntelError(
        `EPSS line ${i + 1}: not a cve,epss,percentile row in range: ${JSON.stringify(line.slice(0, 80))}`,
      );
    }
    const [cve, score, percentile] = row.data;
    entries.set(cve, { score, percentile });
  }
  return {
    ...(metadata ? { modelVersion: metadata.model_version, scoreDate: metadata.score_date } : {}),
    entries,
  };
}

/** `model_version:v2026.06.15,score_date:2026-09-29T12:00:22Z` → fields (values may contain `:`). */
function commentFields(comment: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of comment.split(",")) {
    const cut = part.indexOf(":");
    if (cut > 0) out[part.slice(0, cut).trim()] = part.slice(cut + 1).trim();
  }
  return out;
}

/**
 * Parses the gzipped daily file (`epss_scores-current.csv.gz`) as published. Inflation stops at
 * `maxBytes` so a gzip bomb costs a bounded amount of memory (the file is ASCII: bytes = chars).
 */
export async function parseEpssGzip(bytes: Uint8Array, maxBytes = MAX_EPSS_CHARS): Promise<EpssScores> {
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
  const reader = source.pipeThrough(new DecompressionStream("gzip")).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        throw new IntelError(`EPSS file inflates beyond ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof IntelError) throw error;
    throw new IntelError(
      `EPSS file is not valid gzip: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(joined);
  } catch {
    throw new IntelError("EPSS file is not UTF-8 text");
  }
  return parseEpssCsv(text);
}

// ---------------------------------------------------------------------------------------------
// Snapshots and lookups

/** What we know at one moment. A side that is absent is unknown (not fetched), not empty. */
export interface IntelSnapshot {
  kev?: KevCatalog;
  epss?: EpssScores;
}

/** Intel for one finding: the fields scoring reads. */
export interface IntelRecord {
  kev?: KevEntry;
  epss?: EpssScore;
}

export interface IntelMetadata {
  kev?: { catalogVersion: string; dateReleased: string; count: number };
  epss?: { modelVersion?: string; scoreDate?: string; count: number };
}

/** Snapshot provenance, for audit lines and the "Findings Rescored" event. */
export function intelMetadata(snapshot: IntelSnapshot): IntelMetadata {
  const { kev, epss } = snapshot;
  return {
    ...(kev
      ? { kev: { catalogVersion: kev.catalogVersion, dateReleased: kev.dateReleased, count: kev.count } }
      : {}),
    ...(epss
      ? {
          epss: {
            ...(epss.modelVersion ? { modelVersion: epss.modelVersion } : {}),
            ...(epss.scoreDate ? { scoreDate: epss.scoreDate } : {}),
            count: epss.entries.size,
          },
        }
      : {}),
  };
}

/**
 * Intel for a CVE, or for every CVE id of a finding (aliases included): listed if any is listed
 * (earliest due date wins), and the highest EPSS score of them. Non-CVE ids are ignored.
 */
export function intelFor(snapshot: IntelSnapshot, ids: string | readonly string[]): IntelRecord | undefined {
  let kev: KevEntry | undefined;
  let epss: EpssScore | undefined;
  for (const raw of typeof ids === "string" ? [ids] : ids) {
    const cve = canonicalVulnId(raw);
    if (!isCve(cve)) continue;
    const listed = snapshot.kev?.entries.get(cve);
    if (listed) kev = kev ? mergeKev(kev, listed) : listed;
    const scored = snapshot.epss?.entries.get(cve);
    if (scored && (!epss || scored.score > epss.score)) epss = scored;
  }
  if (!kev && !epss) return undefined;
  return { ...(kev ? { kev } : {}), ...(epss ? { epss } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Diff

export const INTEL_CHANGE_REASONS = [
  "kev-added",
  "kev-removed",
  "kev-due-date-changed",
  "kev-ransomware-changed",
  "epss-band-up",
  "epss-band-down",
  "epss-poc-up",
  "epss-poc-down",
] as const;
export type IntelChangeReason = (typeof INTEL_CHANGE_REASONS)[number];

/** Reasons that make an exception go back to review: the CVE got more dangerous. */
export const ESCALATING_REASONS: ReadonlySet<IntelChangeReason> = new Set([
  "kev-added",
  "epss-band-up",
  "epss-poc-up",
]);

export interface IntelChange {
  cve: string;
  reasons: IntelChangeReason[];
  /** True when any reason is escalating (see ESCALATING_REASONS). */
  escalation: boolean;
  previous: IntelRecord | undefined;
  next: IntelRecord | undefined;
  /** Band names when the EPSS band moved; undefined means not scored. */
  epssBand?: { from: string | undefined; to: string | undefined };
}

/**
 * The CVEs whose intel changed in a way that can change a score or a priority: KEV membership,
 * due date or ransomware flag; EPSS percentile band (bands from policy); EPSS probability crossing
 * the SSVC poc threshold. Only findings carrying these CVEs need rescoring.
 * A side missing from either snapshot (a failed download) is treated as unchanged, so an outage
 * never un-lists the whole catalog. A CVE without an EPSS score ranks as the lowest band, so newly
 * scored CVEs only show up when they land above it.
 */
export function diffIntel(previous: IntelSnapshot, next: IntelSnapshot, policy: RiskPolicy): IntelChange[] {
  const changes = new Map<string, IntelChangeReason[]>();
  const bands = new Map<string, { from: string | undefined; to: string | undefined }>();
  const add = (cve: string, reason: IntelChangeReason) => {
    const list = changes.get(cve);
    if (list) list.push(reason);
    else changes.set(cve, [reason]);
  };

  if (previous.kev && next.kev) {
    const before = previous.kev.entries;
    const after = next.kev.entries;
    for (const [cve, entry] of after) {
      const old = before.get(cve);
      if (!old) add(cve, "kev-added");
      else {
        if (old.dueDate !== entry.dueDate) add(cve, "kev-due-date-changed");
        if (old.ransomware !== entry.ransomware) add(cve, "kev-ransomware-changed");
      }
    }
    for (const cve of before.keys()) if (!after.has(cve)) add(cve, "kev-removed");
  }

  if (previous.epss && next.epss) {
    const before = previous.epss.entries;
    const after = next.epss.entries;
    const threshold = policy.epss.pocThreshold;
    const compare = (cve: string, old: EpssScore | undefined, now: EpssScore | undefined) => {
      const oldBand = old ? epssBandFor(old.percentile, policy) : undefined;
      const newBand = now ? epssBandFor(now.percentile, policy) : undefined;
      const oldRank = oldBand ? epssBandRank(oldBand, policy) : 0;
      const newRank = newBand ? epssBandRank(newBand, policy) : 0;
      if (newRank !== oldRank) {
        add(cve, newRank > oldRank ? "epss-band-up" : "epss-band-down");
        bands.set(cve, { from: oldBand?.name, to: newBand?.name });
      }
      const wasPoc = (old?.score ?? 0) >= threshold;
      const isPoc = (now?.score ?? 0) >= threshold;
      if (wasPoc !== isPoc) add(cve, isPoc ? "epss-poc-up" : "epss-poc-down");
    };
    for (const [cve, now] of after) {
      const old = before.get(cve);
      // same numbers, same outcome: skips ~all rows cheaply
      if (old && old.score === now.score && old.percentile === now.percentile) continue;
      compare(cve, old, now);
    }
    for (const [cve, old] of before) if (!after.has(cve)) compare(cve, old, undefined);
  }

  return [...changes.keys()].sort().map((cve) => {
    const reasons = changes.get(cve) ?? [];
    const band = bands.get(cve);
    return {
      cve,
      reasons,
      escalation: reasons.some((r) => ESCALATING_REASONS.has(r)),
      previous: intelFor(previous, cve),
      next: intelFor(next, cve),
      ...(band ? { epssBand: band } : {}),
    };
  });
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid";
  return `${issue.path.length ? issue.path.join(".") : "(root)"}: ${issue.message}`;
}
