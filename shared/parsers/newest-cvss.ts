import { scoreCvssVector } from "#shared/domain/cvss";
import type { Cvss } from "#shared/domain/finding";

const RANK: Record<Cvss["version"], number> = { "2.0": 0, "3.0": 1, "3.1": 2, "4.0": 3 };

// Reports repeat a handful of vectors thousands of times; scoring one costs far more than a lookup.
const MEMO_LIMIT = 4096;
const memo = new Map<string, number | undefined>();

function scoreOf(vector: string, version: Cvss["version"]): number | undefined {
  const key = `${version} ${vector}`;
  if (memo.has(key)) return memo.get(key);
  const score = scoreCvssVector(vector, version)?.score;
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, score);
  return score;
}

/**
 * The CVSS to keep from what a tool lists: the newest version, and among equals the first listed
 * (callers list their preferred source first, e.g. NVD before a vendor). A vector that arrives
 * without a score is scored with the calculator, so severity can fall back on it; a score the tool
 * gives is never recomputed.
 */
export function newestCvss(candidates: Iterable<Cvss | undefined>): Cvss | undefined {
  let best: Cvss | undefined;
  for (const c of candidates) if (c && (!best || RANK[c.version] > RANK[best.version])) best = c;
  if (!best?.vector || best.score !== undefined) return best;
  const score = scoreOf(best.vector, best.version);
  return score === undefined ? best : { ...best, score };
}
