import { z } from "zod";
import type { EpssScore, IntelSnapshot, KevEntry } from "#shared/domain/intel";
import { type BucketRef, getJsonGz, putJsonGz } from "./blob-store.ts";

/**
 * The intel snapshot in S3, compact (tuples, not objects): KEV (~1.6k CVEs) and EPSS (~380k CVEs)
 * in one object that correlate loads once per container into Maps. Per-CVE table items would
 * mean 380k writes a day for data that is only ever read whole.
 */
export const INTEL_CURRENT_KEY = "intel/current.json.gz";

const Stored = z.object({
  v: z.literal(1),
  kev: z
    .object({
      catalogVersion: z.string(),
      dateReleased: z.string(),
      count: z.number(),
      entries: z.array(z.tuple([z.string(), z.string(), z.string(), z.number()])),
    })
    .optional(),
  epss: z
    .object({
      modelVersion: z.string().optional(),
      scoreDate: z.string().optional(),
      entries: z.array(z.tuple([z.string(), z.number(), z.number()])),
    })
    .optional(),
});

export function toStored(snapshot: IntelSnapshot): z.infer<typeof Stored> {
  return {
    v: 1,
    ...(snapshot.kev
      ? {
          kev: {
            catalogVersion: snapshot.kev.catalogVersion,
            dateReleased: snapshot.kev.dateReleased,
            count: snapshot.kev.count,
            entries: [...snapshot.kev.entries].map(
              ([cve, e]) =>
                [cve, e.dateAdded, e.dueDate, e.ransomware ? 1 : 0] as [string, string, string, number],
            ),
          },
        }
      : {}),
    ...(snapshot.epss
      ? {
          epss: {
            ...(snapshot.epss.modelVersion ? { modelVersion: snapshot.epss.modelVersion } : {}),
            ...(snapshot.epss.scoreDate ? { scoreDate: snapshot.epss.scoreDate } : {}),
            entries: [...snapshot.epss.entries].map(
              ([cve, e]) => [cve, e.score, e.percentile] as [string, number, number],
            ),
          },
        }
      : {}),
  };
}

export function fromStored(value: unknown): IntelSnapshot {
  const stored = Stored.parse(value);
  const snapshot: IntelSnapshot = {};
  if (stored.kev) {
    snapshot.kev = {
      catalogVersion: stored.kev.catalogVersion,
      dateReleased: stored.kev.dateReleased,
      count: stored.kev.count,
      entries: new Map(
        stored.kev.entries.map(([cve, dateAdded, dueDate, r]): [string, KevEntry] => [
          cve,
          { dateAdded, dueDate, ransomware: r === 1 },
        ]),
      ),
    };
  }
  if (stored.epss) {
    snapshot.epss = {
      ...(stored.epss.modelVersion ? { modelVersion: stored.epss.modelVersion } : {}),
      ...(stored.epss.scoreDate ? { scoreDate: stored.epss.scoreDate } : {}),
      entries: new Map(
        stored.epss.entries.map(([cve, score, percentile]): [string, EpssScore] => [
          cve,
          { score, percentile },
        ]),
      ),
    };
  }
  return snapshot;
}

export async function loadIntel(bucket: BucketRef): Promise<IntelSnapshot | undefined> {
  try {
    return fromStored(await getJsonGz(bucket, INTEL_CURRENT_KEY));
  } catch (error) {
    if (error instanceof Error && (error.name === "NoSuchKey" || error.name === "NotFound")) return undefined;
    throw error;
  }
}

export async function saveIntel(bucket: BucketRef, snapshot: IntelSnapshot, date: string): Promise<void> {
  const stored = toStored(snapshot);
  await putJsonGz(bucket, `intel/history/${date}.json.gz`, stored);
  await putJsonGz(bucket, INTEL_CURRENT_KEY, stored);
}

/** Once per container, refreshed after `ttlMs`: correlate reads intel for every scored finding. */
let cached: { at: number; snapshot: IntelSnapshot | undefined } | undefined;
export async function cachedIntel(
  bucket: BucketRef,
  ttlMs = 15 * 60_000,
): Promise<IntelSnapshot | undefined> {
  if (!cached || Date.now() - cached.at > ttlMs)
    cached = { at: Date.now(), snapshot: await loadIntel(bucket) };
  return cached.snapshot;
}

export function clearIntelCache(): void {
  cached = undefined;
}
