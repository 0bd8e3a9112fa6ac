import cvssCalculator from "ae-cvss-calculator";
import type { Cvss } from "./finding.ts";

/**
 * CVSS base scores from vectors, through ae-cvss-calculator (it matches FIRST's reference
 * implementation, v4.0 included), never by hand. The package is a CommonJS bundle, so Node's ESM
 * loader only sees its default export; the classes are read off that.
 */
const { Cvss2, Cvss3P0, Cvss3P1, Cvss4P0, fromVector } = cvssCalculator;

export type CvssVersion = Cvss["version"];

export interface CvssScore {
  version: CvssVersion;
  /** Base score 0..10. For v4.0 this is the score of the metrics given (CVSS-B, or CVSS-BT with threat metrics). */
  score: number;
}

const PREFIX: Record<CvssVersion, string> = {
  "2.0": "",
  "3.0": "CVSS:3.0/",
  "3.1": "CVSS:3.1/",
  "4.0": "CVSS:4.0/",
};

/**
 * Scores a vector, or returns undefined when it is not one we can score (garbage, an unknown metric
 * value, a base metric missing): a bad vector from a tool must never fail the finding.
 * `version` helps with vectors that arrive without their `CVSS:3.x/` prefix.
 */
export function scoreCvssVector(vector: string, version?: CvssVersion): CvssScore | undefined {
  let text = vector.trim();
  if (text.startsWith("(") && text.endsWith(")")) text = text.slice(1, -1).trim();
  if (!text || text.length > 500) return undefined;
  const hinted =
    version && !text.startsWith("CVSS:") && PREFIX[version] ? `${PREFIX[version]}${text}` : undefined;
  return (hinted ? scoreParsed(hinted) : undefined) ?? scoreParsed(text);
}

function scoreParsed(text: string): CvssScore | undefined {
  try {
    const parsed: unknown = fromVector(text);
    if (parsed instanceof Cvss4P0)
      return checked("4.0", parsed.isBaseFullyDefined(), parsed.calculateScores().base);
    if (parsed instanceof Cvss3P1)
      return checked("3.1", parsed.isBaseFullyDefined(), parsed.calculateScores().base);
    if (parsed instanceof Cvss3P0)
      return checked("3.0", parsed.isBaseFullyDefined(), parsed.calculateScores().base);
    if (parsed instanceof Cvss2)
      return checked("2.0", parsed.isBaseFullyDefined(), parsed.calculateScores().base);
  } catch {
    // the calculator throws on some malformed vectors; they are just as unscorable as garbage
  }
  return undefined;
}

function checked(version: CvssVersion, complete: boolean, base: number | undefined): CvssScore | undefined {
  if (!complete || base === undefined || !Number.isFinite(base) || base < 0 || base > 10) return undefined;
  return { version, score: base };
}

/** True when the vector says the attack vector is the network (`AV:N`, in every CVSS version). */
export function isNetworkAttackVector(vector: string | undefined): boolean {
  if (!vector) return false;
  return vector
    .trim()
    .replace(/^\(|\)$/g, "")
    .split("/")
    .some((part) => part.trim().toUpperCase() === "AV:N");
}
