import { CVSS4_BASE, CVSS4_METRICS, scoreCvss4 } from "./cvss4.ts";
import type { Cvss } from "./finding.ts";

/**
 * CVSS base scores from vectors, computed as the FIRST specifications define them: v2.0 (guide §3.2.1),
 * v3.0 and v3.1 (specification §7.1 and Appendix A's Roundup) and v4.0 (./cvss4.ts). Our own code
 * rather than a calculator package, whose CommonJS bundle weighed 188 KB in each Lambda.
 */

export type CvssVersion = Cvss["version"];

export interface CvssScore {
  version: CvssVersion;
  /** Base score 0..10. For v4.0 this is the score of the metrics given (CVSS-B, or CVSS-BT/-BE/-BTE). */
  score: number;
}

type MetricValues = Readonly<Record<string, readonly string[]>>;
type Metrics = ReadonlyMap<string, string>;

const PREFIX: Record<CvssVersion, string> = {
  "2.0": "",
  "3.0": "CVSS:3.0/",
  "3.1": "CVSS:3.1/",
  "4.0": "CVSS:4.0/",
};

/**
 * Scores a vector, or returns undefined when it is not one we can score (garbage, an unknown metric
 * or value, a metric given twice, a base metric missing): a bad vector from a tool must never fail
 * the finding. `version` helps with vectors that arrive without their `CVSS:3.x/` prefix.
 */
export function scoreCvssVector(vector: string, version?: CvssVersion): CvssScore | undefined {
  let text = vector.trim();
  if (text.startsWith("(") && text.endsWith(")")) text = text.slice(1, -1).trim();
  if (!text || text.length > 500) return undefined;
  const hinted =
    version && !text.startsWith("CVSS:") && PREFIX[version] ? `${PREFIX[version]}${text}` : undefined;
  return (hinted ? scoreText(hinted) : undefined) ?? scoreText(text);
}

const SCORERS: Record<CvssVersion, (body: string) => number | undefined> = {
  "2.0": (body) => withMetrics(body, V2_METRICS, V2_BASE, scoreV2),
  "3.0": (body) => withMetrics(body, V3_METRICS, V3_BASE, (m) => scoreV3(m, roundUpV30)),
  "3.1": (body) => withMetrics(body, V3_METRICS, V3_BASE, (m) => scoreV3(m, roundUpV31)),
  "4.0": (body) => withMetrics(body, CVSS4_METRICS, CVSS4_BASE, scoreCvss4),
};

function scoreText(text: string): CvssScore | undefined {
  const prefixed = /^CVSS:(\d\.\d)\/(.*)$/s.exec(text);
  if (prefixed) {
    const [, named = "", body = ""] = prefixed;
    if (!isVersion(named)) return undefined;
    const score = SCORERS[named](body);
    return score === undefined ? undefined : { version: named, score };
  }
  // without a prefix the metrics tell the version (v2 has Au, v4 has AT); bare v3 metrics are read as v3.0
  for (const version of ["2.0", "3.0", "4.0"] as const) {
    const score = SCORERS[version](text);
    if (score !== undefined) return { version, score };
  }
  return undefined;
}

function isVersion(value: string): value is CvssVersion {
  return Object.hasOwn(PREFIX, value);
}

/** Parses `M:V/M:V/...` strictly: known metrics and values only, each once, every base metric present. */
function withMetrics(
  body: string,
  allowed: MetricValues,
  base: readonly string[],
  score: (metrics: Metrics) => number | undefined,
): number | undefined {
  const metrics = new Map<string, string>();
  for (const part of body.split("/")) {
    const [name = "", value = "", ...rest] = part.split(":");
    if (rest.length > 0 || !Object.hasOwn(allowed, name) || metrics.has(name)) return undefined;
    if (!allowed[name]?.includes(value)) return undefined;
    metrics.set(name, value);
  }
  if (!base.every((name) => metrics.has(name))) return undefined;
  const result = score(metrics);
  return result !== undefined && Number.isFinite(result) && result >= 0 && result <= 10 ? result : undefined;
}

/** Numeric weight of a metric that parsing guarantees is present with a known value. */
function weight(
  metrics: Metrics,
  table: Readonly<Record<string, Readonly<Record<string, number>>>>,
  name: string,
) {
  return table[name]?.[metrics.get(name) ?? ""] ?? 0;
}

// v2.0: base metrics carry weights; temporal and environmental ones are validated but do not change the base score
const V2_BASE = ["AV", "AC", "Au", "C", "I", "A"];
const V2_METRICS: MetricValues = {
  AV: ["L", "A", "N"],
  AC: ["H", "M", "L"],
  Au: ["M", "S", "N"],
  C: ["N", "P", "C"],
  I: ["N", "P", "C"],
  A: ["N", "P", "C"],
  E: ["U", "POC", "F", "H", "ND"],
  RL: ["OF", "TF", "W", "U", "ND"],
  RC: ["UC", "UR", "C", "ND"],
  CDP: ["N", "L", "LM", "MH", "H", "ND"],
  TD: ["N", "L", "M", "H", "ND"],
  CR: ["L", "M", "H", "ND"],
  IR: ["L", "M", "H", "ND"],
  AR: ["L", "M", "H", "ND"],
};
const V2_IMPACT = { N: 0, P: 0.275, C: 0.66 };
const V2_WEIGHTS = {
  AV: { L: 0.395, A: 0.646, N: 1 },
  AC: { H: 0.35, M: 0.61, L: 0.71 },
  Au: { M: 0.45, S: 0.56, N: 0.704 },
  C: V2_IMPACT,
  I: V2_IMPACT,
  A: V2_IMPACT,
};

function scoreV2(m: Metrics): number {
  const w = (name: string) => weight(m, V2_WEIGHTS, name);
  const impact = 10.41 * (1 - (1 - w("C")) * (1 - w("I")) * (1 - w("A")));
  if (impact === 0) return 0;
  const exploitability = 20 * w("AV") * w("AC") * w("Au");
  return Math.round((0.6 * impact + 0.4 * exploitability - 1.5) * 1.176 * 10) / 10;
}

// v3.0 and v3.1 share metrics and base equations; they differ in how the score is rounded up
const V3_BASE = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"];
const V3_MODIFIED_IMPACT = ["X", "N", "L", "H"];
const V3_REQUIREMENT = ["X", "L", "M", "H"];
const V3_METRICS: MetricValues = {
  AV: ["N", "A", "L", "P"],
  AC: ["L", "H"],
  PR: ["N", "L", "H"],
  UI: ["N", "R"],
  S: ["U", "C"],
  C: ["H", "L", "N"],
  I: ["H", "L", "N"],
  A: ["H", "L", "N"],
  E: ["X", "U", "P", "F", "H"],
  RL: ["X", "O", "T", "W", "U"],
  RC: ["X", "U", "R", "C"],
  CR: V3_REQUIREMENT,
  IR: V3_REQUIREMENT,
  AR: V3_REQUIREMENT,
  MAV: ["X", "N", "A", "L", "P"],
  MAC: ["X", "L", "H"],
  MPR: ["X", "N", "L", "H"],
  MUI: ["X", "N", "R"],
  MS: ["X", "U", "C"],
  MC: V3_MODIFIED_IMPACT,
  MI: V3_MODIFIED_IMPACT,
  MA: V3_MODIFIED_IMPACT,
};
const V3_IMPACT = { H: 0.56, L: 0.22, N: 0 };
const V3_WEIGHTS = {
  AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
  AC: { L: 0.77, H: 0.44 },
  UI: { N: 0.85, R: 0.62 },
  C: V3_IMPACT,
  I: V3_IMPACT,
  A: V3_IMPACT,
};
/** Privileges Required weighs more when the scope changes. */
const V3_PRIVILEGES = { PR: { N: 0.85, L: 0.62, H: 0.27 } };
const V3_PRIVILEGES_SCOPE_CHANGED = { PR: { N: 0.85, L: 0.68, H: 0.5 } };

function scoreV3(m: Metrics, roundUp: (value: number) => number): number {
  const w = (name: string) => weight(m, V3_WEIGHTS, name);
  const changed = m.get("S") === "C";
  const privileges = weight(m, changed ? V3_PRIVILEGES_SCOPE_CHANGED : V3_PRIVILEGES, "PR");
  const iss = 1 - (1 - w("C")) * (1 - w("I")) * (1 - w("A"));
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 : 6.42 * iss;
  if (impact <= 0) return 0;
  const exploitability = 8.22 * w("AV") * w("AC") * privileges * w("UI");
  return roundUp(Math.min((changed ? 1.08 : 1) * (impact + exploitability), 10));
}

/** v3.0: the smallest number with one decimal that is equal to or higher than the input. */
function roundUpV30(value: number): number {
  return Math.ceil(value * 10) / 10;
}

/** v3.1 Roundup (Appendix A): works on an integer so that e.g. 4.000000000000001 is not lifted to 4.1. */
function roundUpV31(value: number): number {
  const scaled = Math.round(value * 100_000);
  return scaled % 10_000 === 0 ? scaled / 100_000 : (Math.floor(scaled / 10_000) + 1) / 10;
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
