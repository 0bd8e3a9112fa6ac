import type { Cvss } from "#shared/domain/finding";

const V3_OR_V4 = /^CVSS:(3\.0|3\.1|4\.0)\//;
// a v2 base vector has no prefix and always names Au (authentication)
const V2 = /^\(?AV:[LAN]\/AC:[HML]\/Au:[MSN]\//;

/**
 * `{ version, vector, score }` from a CVSS vector string and/or score as tools print them.
 * The version comes from the vector; a score without a vector has no version and is dropped,
 * since a bare number cannot say which scale it is on.
 */
export function cvssFrom(
  vector: string | undefined | null,
  score?: number | string | null,
): Cvss | undefined {
  const v = vector?.trim();
  if (!v) return undefined;
  const version = V3_OR_V4.exec(v)?.[1] ?? (V2.test(v) ? "2.0" : undefined);
  if (version !== "2.0" && version !== "3.0" && version !== "3.1" && version !== "4.0") return undefined;
  const n = typeof score === "string" ? Number.parseFloat(score) : score;
  const validScore = typeof n === "number" && Number.isFinite(n) && n >= 0 && n <= 10 ? n : undefined;
  return validScore === undefined ? { version, vector: v } : { version, vector: v, score: validScore };
}
