/**
 * CVSS v4.0 scoring, as the FIRST v4.0 specification (§8) and its reference calculator define it:
 * the vector falls into a macrovector (equivalence classes EQ1..EQ6) whose expert-given score is
 * looked up, then lowered by how far the vector sits from the highest-severity vectors of that
 * macrovector, in proportion to the score gap to the next lower macrovector of each EQ.
 */

/** Allowed values per metric; base metrics first, then threat, environmental, supplemental. */
export const CVSS4_METRICS: Readonly<Record<string, readonly string[]>> = {
  AV: ["N", "A", "L", "P"],
  AC: ["L", "H"],
  AT: ["N", "P"],
  PR: ["N", "L", "H"],
  UI: ["N", "P", "A"],
  VC: ["H", "L", "N"],
  VI: ["H", "L", "N"],
  VA: ["H", "L", "N"],
  SC: ["H", "L", "N"],
  SI: ["H", "L", "N"],
  SA: ["H", "L", "N"],
  E: ["X", "A", "P", "U"],
  CR: ["X", "H", "M", "L"],
  IR: ["X", "H", "M", "L"],
  AR: ["X", "H", "M", "L"],
  MAV: ["X", "N", "A", "L", "P"],
  MAC: ["X", "L", "H"],
  MAT: ["X", "N", "P"],
  MPR: ["X", "N", "L", "H"],
  MUI: ["X", "N", "P", "A"],
  MVC: ["X", "H", "L", "N"],
  MVI: ["X", "H", "L", "N"],
  MVA: ["X", "H", "L", "N"],
  MSC: ["X", "H", "L", "N"],
  MSI: ["X", "S", "H", "L", "N"],
  MSA: ["X", "S", "H", "L", "N"],
  S: ["X", "N", "P"],
  AU: ["X", "N", "Y"],
  R: ["X", "A", "U", "I"],
  V: ["X", "D", "C"],
  RE: ["X", "L", "M", "H"],
  U: ["X", "Clear", "Green", "Amber", "Red"],
};

export const CVSS4_BASE = ["AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"] as const;

/**
 * Macrovector scores, keyed by the EQ1 EQ2 EQ3 digits; each row lists EQ4 0..2 × EQ5 0..2 × EQ6 0..1
 * in that order (the spec's 6-digit keys in ascending order). EQ3 2 exists only with EQ6 1, so
 * those rows list EQ4 × EQ5 alone.
 */
const MACROVECTOR_SCORES: Readonly<Record<string, readonly number[]>> = {
  "000": [10, 9.9, 9.8, 9.5, 9.5, 9.2, 10, 9.6, 9.3, 8.7, 9.1, 8.1, 9.3, 9, 8.9, 8, 8.1, 6.8],
  "001": [9.8, 9.5, 9.5, 9.2, 9, 8.4, 9.3, 9.2, 8.9, 8.1, 8.1, 6.5, 8.8, 8, 7.8, 7, 6.9, 4.8],
  "002": [9.2, 8.2, 7.2, 7.9, 6.9, 5, 6.9, 5.5, 2.7],
  "010": [9.9, 9.7, 9.5, 9.2, 9.2, 8.5, 9.5, 9.1, 9, 8.3, 8.4, 7.1, 9.2, 8.1, 8.2, 7.1, 7.2, 5.3],
  "011": [9.5, 9.3, 9.2, 8.5, 8.5, 7.3, 9.2, 8.2, 8, 7.2, 7, 5.9, 8.4, 7, 7.1, 5.2, 5, 3],
  "012": [8.6, 7.5, 5.2, 7.1, 5.2, 2.9, 6.3, 2.9, 1.7],
  "100": [9.8, 9.5, 9.4, 8.7, 9.1, 8.1, 9.4, 8.9, 8.6, 7.4, 7.7, 6.4, 8.7, 7.5, 7.4, 6.3, 6.3, 4.9],
  "101": [9.4, 8.9, 8.8, 7.7, 7.6, 6.7, 8.6, 7.6, 7.4, 5.8, 5.9, 5, 7.2, 5.7, 5.7, 5.2, 5.2, 2.5],
  "102": [8.3, 7, 5.4, 6.5, 5.8, 2.6, 5.3, 2.1, 1.3],
  "110": [9.5, 9, 8.8, 7.6, 7.6, 7, 9, 7.7, 7.5, 6.2, 6.1, 5.3, 7.7, 6.6, 6.8, 5.9, 5.2, 3],
  "111": [8.9, 7.8, 7.6, 6.7, 6.2, 5.8, 7.4, 5.9, 5.7, 5.7, 4.7, 2.3, 6.1, 5.2, 5.7, 2.9, 2.4, 1.6],
  "112": [7.1, 5.9, 3, 5.8, 2.6, 1.5, 2.3, 1.3, 0.6],
  "200": [9.3, 8.7, 8.6, 7.2, 7.5, 5.8, 8.6, 7.4, 7.4, 6.1, 5.6, 3.4, 7, 5.4, 5.2, 4, 4, 2.2],
  "201": [8.5, 7.5, 7.4, 5.5, 6.2, 5.1, 7.2, 5.7, 5.5, 4.1, 4.6, 1.9, 5.3, 3.6, 3.4, 1.9, 1.9, 0.8],
  "202": [6.4, 5.1, 2, 4.7, 2.1, 1.1, 2.4, 0.9, 0.4],
  "210": [8.8, 7.5, 7.3, 5.3, 6, 5, 7.3, 5.5, 5.9, 4, 4.1, 2, 5.4, 4.3, 4.5, 2.2, 2, 1.1],
  "211": [7.5, 5.5, 5.8, 4.5, 4, 2.1, 6.1, 5.1, 4.8, 1.8, 2, 0.9, 4.6, 1.8, 1.7, 0.7, 0.8, 0.2],
  "212": [5.3, 2.4, 1.4, 2.4, 1.2, 0.5, 1, 0.3, 0.1],
};

/** Score of a macrovector given as its EQ digits [eq1, eq2, eq3, eq4, eq5, eq6]; undefined when none exists. */
function macrovectorScore([eq1 = 0, eq2 = 0, eq3 = 0, eq4 = 0, eq5 = 0, eq6 = 0]: readonly number[]):
  | number
  | undefined {
  const row = MACROVECTOR_SCORES[`${eq1}${eq2}${eq3}`];
  if (!row || eq4 > 2 || eq5 > 2 || eq6 > 1 || (eq3 === 2 && eq6 === 0)) return undefined;
  return row[eq3 === 2 ? eq4 * 3 + eq5 : (eq4 * 3 + eq5) * 2 + eq6];
}

/**
 * Severity level of each value in tenths (0 is the most severe), the unit of severity distance.
 * SC starts at 1 because SI/SA can be Safety (S), one step above High, and EQ4 sums all three.
 */
const LEVEL: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  AV: { N: 0, A: 1, L: 2, P: 3 },
  PR: { N: 0, L: 1, H: 2 },
  UI: { N: 0, P: 1, A: 2 },
  AC: { L: 0, H: 1 },
  AT: { N: 0, P: 1 },
  VC: { H: 0, L: 1, N: 2 },
  VI: { H: 0, L: 1, N: 2 },
  VA: { H: 0, L: 1, N: 2 },
  SC: { H: 1, L: 2, N: 3 },
  SI: { S: 0, H: 1, L: 2, N: 3 },
  SA: { S: 0, H: 1, L: 2, N: 3 },
  CR: { H: 0, M: 1, L: 2 },
  IR: { H: 0, M: 1, L: 2 },
  AR: { H: 0, M: 1, L: 2 },
};

type Highest = Readonly<Record<string, string>>;

/** The highest-severity vectors of each EQ level (the spec's "max composed" vectors). */
const EQ1_HIGHEST: readonly (readonly Highest[])[] = [
  [{ AV: "N", PR: "N", UI: "N" }],
  [
    { AV: "A", PR: "N", UI: "N" },
    { AV: "N", PR: "L", UI: "N" },
    { AV: "N", PR: "N", UI: "P" },
  ],
  [
    { AV: "P", PR: "N", UI: "N" },
    { AV: "A", PR: "L", UI: "P" },
  ],
];
const EQ2_HIGHEST: readonly (readonly Highest[])[] = [
  [{ AC: "L", AT: "N" }],
  [
    { AC: "H", AT: "N" },
    { AC: "L", AT: "P" },
  ],
];
/** EQ3 and EQ6 are scored together, keyed by their two digits. */
const EQ3EQ6_HIGHEST: Readonly<Record<string, readonly Highest[]>> = {
  "00": [{ VC: "H", VI: "H", VA: "H", CR: "H", IR: "H", AR: "H" }],
  "01": [
    { VC: "H", VI: "H", VA: "L", CR: "M", IR: "M", AR: "H" },
    { VC: "H", VI: "H", VA: "H", CR: "M", IR: "M", AR: "M" },
  ],
  "10": [
    { VC: "L", VI: "H", VA: "H", CR: "H", IR: "H", AR: "H" },
    { VC: "H", VI: "L", VA: "H", CR: "H", IR: "H", AR: "H" },
  ],
  "11": [
    { VC: "L", VI: "H", VA: "L", CR: "H", IR: "M", AR: "H" },
    { VC: "L", VI: "H", VA: "H", CR: "H", IR: "M", AR: "M" },
    { VC: "H", VI: "L", VA: "H", CR: "M", IR: "H", AR: "M" },
    { VC: "H", VI: "L", VA: "L", CR: "M", IR: "H", AR: "H" },
    { VC: "L", VI: "L", VA: "H", CR: "H", IR: "H", AR: "M" },
  ],
  "21": [{ VC: "L", VI: "L", VA: "L", CR: "H", IR: "H", AR: "H" }],
};
const EQ4_HIGHEST: readonly (readonly Highest[])[] = [
  [{ SC: "H", SI: "S", SA: "S" }],
  [{ SC: "H", SI: "H", SA: "H" }],
  [{ SC: "L", SI: "L", SA: "L" }],
];

/** Depth of each EQ level in tenths: the largest severity distance inside it, plus one. */
const EQ1_DEPTH = [1, 4, 5];
const EQ2_DEPTH = [1, 2];
const EQ3EQ6_DEPTH: Readonly<Record<string, number>> = { "00": 7, "01": 6, "10": 8, "11": 8, "21": 10 };
const EQ4_DEPTH = [6, 5, 4];

/** Values the spec reads as the worst case when they are not defined (X). */
const WORST_WHEN_UNDEFINED: Readonly<Record<string, string>> = { E: "A", CR: "H", IR: "H", AR: "H" };

function maxDefined(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}

/** Half-up rounding to one decimal; the epsilon keeps a true .x5 that binary floats land just under from rounding down. */
function roundToTenth(value: number): number {
  return Math.round((value + 1e-6) * 10) / 10;
}

/**
 * Scores a complete, validated v4.0 metric set (every base metric present, values from
 * CVSS4_METRICS): CVSS-B, -BT, -BE or -BTE depending on the metrics given. Undefined only if the
 * tables above had a hole, which the tests rule out.
 */
export function scoreCvss4(metrics: ReadonlyMap<string, string>): number | undefined {
  /** The value the score uses: a modified (M*) environmental value overrides the base one. */
  const effective = (metric: string): string => {
    const own = metrics.get(metric) ?? "X";
    const worst = WORST_WHEN_UNDEFINED[metric];
    if (own === "X" && worst) return worst;
    const modified = metrics.get(`M${metric}`);
    return modified && modified !== "X" ? modified : own;
  };
  const is = (metric: string, value: string) => effective(metric) === value;

  if (["VC", "VI", "VA", "SC", "SI", "SA"].every((metric) => is(metric, "N"))) return 0;

  const eq1 =
    is("AV", "N") && is("PR", "N") && is("UI", "N")
      ? 0
      : (is("AV", "N") || is("PR", "N") || is("UI", "N")) && !is("AV", "P")
        ? 1
        : 2;
  const eq2 = is("AC", "L") && is("AT", "N") ? 0 : 1;
  const eq3 = is("VC", "H") && is("VI", "H") ? 0 : is("VC", "H") || is("VI", "H") || is("VA", "H") ? 1 : 2;
  const eq4 = is("MSI", "S") || is("MSA", "S") ? 0 : is("SC", "H") || is("SI", "H") || is("SA", "H") ? 1 : 2;
  const eq5 = is("E", "A") ? 0 : is("E", "P") ? 1 : 2;
  const eq6 =
    (is("CR", "H") && is("VC", "H")) || (is("IR", "H") && is("VI", "H")) || (is("AR", "H") && is("VA", "H"))
      ? 0
      : 1;
  const macro = [eq1, eq2, eq3, eq4, eq5, eq6];
  const score = macrovectorScore(macro);
  if (score === undefined) return undefined;

  /** Score of the macrovector one level lower in the given EQs (1-based); undefined past the last level. */
  const below = (...eqs: number[]) =>
    macrovectorScore(macro.map((digit, i) => (eqs.includes(i + 1) ? digit + 1 : digit)));
  // EQ3 and EQ6 step down together: from 00 there are two next-lower macrovectors and the higher counts
  const eq3eq6 = `${eq3}${eq6}`;
  const eq3eq6Lower =
    eq3eq6 === "00" ? maxDefined(below(3), below(6)) : eq3eq6 === "10" ? below(6) : below(3);

  // the vector's distance from the first highest vector of its EQ level that it does not exceed; one
  // always exists (checked over every effective value), so the reference's fallback never applies
  const groups = [
    { highest: EQ1_HIGHEST[eq1], depth: EQ1_DEPTH[eq1], lowerScore: below(1) },
    { highest: EQ2_HIGHEST[eq2], depth: EQ2_DEPTH[eq2], lowerScore: below(2) },
    { highest: EQ3EQ6_HIGHEST[eq3eq6], depth: EQ3EQ6_DEPTH[eq3eq6], lowerScore: eq3eq6Lower },
    { highest: EQ4_HIGHEST[eq4], depth: EQ4_DEPTH[eq4], lowerScore: below(4) },
  ];
  const distances = (highest: Highest) =>
    Object.entries(highest).map(
      ([metric, value]) => (LEVEL[metric]?.[effective(metric)] ?? 0) - (LEVEL[metric]?.[value] ?? 0),
    );

  let total = 0;
  let counted = 0;
  for (const { highest, depth, lowerScore } of groups) {
    if (lowerScore === undefined) continue;
    const nearest = highest?.map(distances).find((ds) => ds.every((d) => d >= 0));
    if (!nearest || !depth) return undefined;
    total += (score - lowerScore) * (nearest.reduce((sum, d) => sum + d, 0) / depth);
    counted++;
  }
  // EQ5 (exploit maturity) has no depth: its distance is always 0, but it still counts in the mean
  if (below(5) !== undefined) counted++;

  const value = score - (counted === 0 ? 0 : total / counted);
  return roundToTenth(Math.min(10, Math.max(0, value)));
}
