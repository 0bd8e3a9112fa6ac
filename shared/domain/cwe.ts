/**
 * CWE ids arrive as `CWE-79`, `cwe-079`, `external/cwe/cwe-079`, `CWE-89: Improper Neutralization…`,
 * `79` or the number 79. We keep them as `CWE-<n>` with no leading zeros.
 */
const CWE_IN_TEXT = /cwe[-_/ ]?0*(\d{1,5})/gi;
/** Already in our form (the common case on hot paths): no regex extraction needed. */
const CANONICAL = /^CWE-[1-9]\d{0,4}$/;

export function normalizeCwe(value: string | number | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "number")
    return Number.isInteger(value) && value > 0 && value < 100_000 ? `CWE-${value}` : undefined;
  const trimmed = value.trim();
  if (/^\d{1,5}$/.test(trimmed)) {
    const n = Number(trimmed);
    return n > 0 ? `CWE-${n}` : undefined;
  }
  const match = /cwe[-_/ ]?0*(\d{1,5})/i.exec(trimmed);
  return match?.[1] && Number(match[1]) > 0 ? `CWE-${Number(match[1])}` : undefined;
}

/** Every CWE id mentioned in the given values, normalized and de-duplicated, in order of appearance. */
export function collectCwes(values: Iterable<string | number | null | undefined>): string[] {
  const out = new Set<string>();
  for (const value of values) {
    if (typeof value === "string" && CANONICAL.test(value)) {
      out.add(value);
      continue;
    }
    if (typeof value === "string" && value.length > 12) {
      for (const match of value.matchAll(CWE_IN_TEXT)) {
        if (match[1] && Number(match[1]) > 0) out.add(`CWE-${Number(match[1])}`);
      }
      continue;
    }
    const cwe = normalizeCwe(value);
    if (cwe) out.add(cwe);
  }
  return [...out];
}
