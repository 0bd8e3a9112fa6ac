import cvssCalculator from "ae-cvss-calculator";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CvssScore, type CvssVersion, scoreCvssVector } from "#shared/domain/cvss";

/**
 * Our calculator against ae-cvss-calculator (a dev dependency, kept as an oracle only: it matches
 * FIRST's reference calculators). Random valid vectors of every version, with any of their
 * threat/temporal, environmental and supplemental metrics, in any order, must score the same.
 * The metric tables below are typed from the specifications, apart from the code under test, so a
 * value missing from our tables shows up as a vector we refuse and the oracle scores.
 */

const { Cvss2, Cvss3P0, Cvss3P1, Cvss4P0, fromVector } = cvssCalculator;

function oracle(vector: string): CvssScore | undefined {
  const parsed: unknown = fromVector(vector);
  const scored = (version: CvssVersion, complete: boolean, base: number | undefined) =>
    // + 0 turns the oracle's -0 (v2 with no impact: a negative sum times 0) into the 0 we give
    complete && base !== undefined ? { version, score: base + 0 } : undefined;
  if (parsed instanceof Cvss4P0)
    return scored("4.0", parsed.isBaseFullyDefined(), parsed.calculateScores().base);
  if (parsed instanceof Cvss3P1)
    return scored("3.1", parsed.isBaseFullyDefined(), parsed.calculateScores().base);
  if (parsed instanceof Cvss3P0)
    return scored("3.0", parsed.isBaseFullyDefined(), parsed.calculateScores().base);
  if (parsed instanceof Cvss2)
    return scored("2.0", parsed.isBaseFullyDefined(), parsed.calculateScores().base);
  return undefined;
}

/** `NAME:value,value …` per metric, as the specification tables list them. */
interface Spec {
  prefix: string;
  base: string;
  optional: string;
}

const V2: Spec = {
  prefix: "",
  base: "AV:L,A,N AC:H,M,L Au:M,S,N C:N,P,C I:N,P,C A:N,P,C",
  optional:
    "E:U,POC,F,H,ND RL:OF,TF,W,U,ND RC:UC,UR,C,ND CDP:N,L,LM,MH,H,ND TD:N,L,M,H,ND CR:L,M,H,ND IR:L,M,H,ND AR:L,M,H,ND",
};
const V3_BASE = "AV:N,A,L,P AC:L,H PR:N,L,H UI:N,R S:U,C C:H,L,N I:H,L,N A:H,L,N";
const V3_OPTIONAL =
  "E:X,U,P,F,H RL:X,O,T,W,U RC:X,U,R,C CR:X,L,M,H IR:X,L,M,H AR:X,L,M,H MAV:X,N,A,L,P MAC:X,L,H " +
  "MPR:X,N,L,H MUI:X,N,R MS:X,U,C MC:X,N,L,H MI:X,N,L,H MA:X,N,L,H";
const V30: Spec = { prefix: "CVSS:3.0/", base: V3_BASE, optional: V3_OPTIONAL };
const V31: Spec = { prefix: "CVSS:3.1/", base: V3_BASE, optional: V3_OPTIONAL };
const V40: Spec = {
  prefix: "CVSS:4.0/",
  base: "AV:N,A,L,P AC:L,H AT:N,P PR:N,L,H UI:N,P,A VC:H,L,N VI:H,L,N VA:H,L,N SC:H,L,N SI:H,L,N SA:H,L,N",
  optional:
    "E:X,A,P,U CR:X,H,M,L IR:X,H,M,L AR:X,H,M,L MAV:X,N,A,L,P MAC:X,L,H MAT:X,N,P MPR:X,N,L,H " +
    "MUI:X,N,P,A MVC:X,H,L,N MVI:X,H,L,N MVA:X,H,L,N MSC:X,H,L,N MSI:X,S,H,L,N MSA:X,S,H,L,N " +
    "S:X,N,P AU:X,N,Y R:X,A,U,I V:X,D,C RE:X,L,M,H U:X,Clear,Green,Amber,Red",
};

const metrics = (list: string) =>
  list.split(" ").map((entry) => {
    const [name = "", values = ""] = entry.split(":");
    return { name, values: values.split(",") };
  });

const part = (name: string, values: string[]) =>
  fc.constantFrom(...values).map((value) => `${name}:${value}`);

/** A valid vector: every base metric, any subset of the others, in canonical or shuffled order. */
function vector(spec: Spec, withOptional = true): fc.Arbitrary<string> {
  const base = metrics(spec.base).map(({ name, values }) => part(name, values));
  const optional = withOptional
    ? metrics(spec.optional).map(({ name, values }) => fc.option(part(name, values), { nil: undefined }))
    : [];
  return fc
    .tuple(fc.tuple(...base, ...optional), fc.boolean())
    .chain(([parts, shuffle]) => {
      const given = parts.filter((p): p is string => p !== undefined);
      return shuffle ? fc.shuffledSubarray(given, { minLength: given.length }) : fc.constant(given);
    })
    .map((parts) => `${spec.prefix}${parts.join("/")}`);
}

const RUNS = { numRuns: 3_000 };

describe("scoreCvssVector against the oracle", () => {
  it.each([
    ["2.0", V2],
    ["3.0", V30],
    ["3.1", V31],
    ["4.0", V40],
  ] as const)("scores random valid v%s vectors (all metric groups) as the oracle does", (version, spec) => {
    fc.assert(
      fc.property(vector(spec), (v) => {
        const ours = scoreCvssVector(v);
        expect(ours).toEqual(oracle(v));
        expect(ours?.version).toBe(version);
      }),
      RUNS,
    );
  });

  it("scores random v4.0 base vectors as the oracle does (the CVSS-B score most tools print)", () => {
    fc.assert(
      fc.property(vector(V40, false), (v) => {
        expect(scoreCvssVector(v)).toEqual(oracle(v));
      }),
      RUNS,
    );
  });

  it("scores a v3.x vector that lost its prefix by the version hint, as the prefixed vector", () => {
    fc.assert(
      fc.property(vector(V31), fc.constantFrom("3.0", "3.1") as fc.Arbitrary<"3.0" | "3.1">, (v, hint) => {
        const bare = v.slice("CVSS:3.1/".length);
        expect(scoreCvssVector(bare, hint)).toEqual(oracle(`CVSS:${hint}/${bare}`));
      }),
      { numRuns: 500 },
    );
  });

  it("refuses a vector with a base metric missing, a metric twice or an unknown value", () => {
    const broken = fc
      .tuple(fc.constantFrom(V2, V30, V31, V40), fc.nat(), fc.constantFrom("drop", "repeat", "corrupt"))
      .chain(([spec, n, how]) =>
        vector(spec).map((v) => {
          const body = v.slice(spec.prefix.length).split("/");
          const i = n % metrics(spec.base).length;
          const target = metrics(spec.base)[i]?.name ?? "";
          const at = body.findIndex((p) => p.startsWith(`${target}:`));
          if (how === "drop") body.splice(at, 1);
          else if (how === "repeat") body.push(body[at] ?? "");
          else body[at] = `${target}:Q`;
          return `${spec.prefix}${body.join("/")}`;
        }),
      );
    fc.assert(
      fc.property(broken, (v) => {
        expect(scoreCvssVector(v)).toBeUndefined();
      }),
      { numRuns: 1_000 },
    );
  });

  it("never throws on arbitrary text, and any score it gives is 0..10 in tenths", () => {
    const text = fc.oneof(
      fc.string({ maxLength: 600 }),
      fc
        .array(
          fc.constantFrom("CVSS:3.1", "CVSS:4.0", "AV:N", "AC:L", "Au:N", "PR:N", "/", ":", "(", ")", "X"),
          {
            maxLength: 40,
          },
        )
        .map((parts) => parts.join("")),
    );
    fc.assert(
      fc.property(text, (v) => {
        const scored = scoreCvssVector(v);
        if (scored) {
          expect(scored.score).toBeGreaterThanOrEqual(0);
          expect(scored.score).toBeLessThanOrEqual(10);
          expect(Math.round(scored.score * 10) / 10).toBe(scored.score);
        }
      }),
      RUNS,
    );
  });
});

describe("scoreCvssVector on examples from the specifications", () => {
  it.each([
    // CVSS v2 guide §3.3: CVE-2002-0392, CVE-2003-0818, CVE-2003-0062
    ["AV:N/AC:L/Au:N/C:N/I:N/A:C", "2.0", 7.8],
    ["AV:N/AC:L/Au:N/C:C/I:C/A:C", "2.0", 10],
    ["AV:L/AC:H/Au:N/C:C/I:C/A:C", "2.0", 6.2],
    // temporal and environmental metrics leave the v2 base score alone
    ["AV:N/AC:L/Au:N/C:C/I:C/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:L", "2.0", 10],
    // CVSS v3.1 examples: phpMyAdmin XSS (CVE-2013-1937), Heartbleed (CVE-2014-0160), Shellshock (CVE-2014-6271)
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", "3.1", 6.1],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "3.1", 7.5],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "3.1", 9.8],
    ["CVSS:3.0/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", "3.0", 7.8],
    ["CVSS:3.1/AV:P/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:H/E:H/RL:W/AR:L/MAC:H/MA:L", "3.1", 5.4],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", "3.1", 0],
    // CVSS v4.0: CVSS-B, then -BT, then -BTE with Safety (MSI:S) and supplemental metrics that do not score
    ["CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", "4.0", 10],
    ["CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N", "4.0", 8.7],
    ["CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N", "4.0", 6.9],
    ["CVSS:4.0/AV:N/AC:L/AT:P/PR:H/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", "4.0", 2.1],
    ["CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", "4.0", 0],
    ["CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:L/VA:L/SC:L/SI:L/SA:L/E:U", "4.0", 0.1],
    [
      "CVSS:4.0/AV:A/AC:H/AT:N/PR:L/UI:P/VC:H/VI:L/VA:N/SC:L/SI:H/SA:N/E:P/CR:L/IR:M/AR:H/MAV:N/MSI:S/S:P/AU:Y/R:U/V:C/RE:H/U:Red",
      "4.0",
      6.3,
    ],
    ["CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MAV:P/CR:H", "4.0", 7],
  ] as const)("%s → v%s %d, as the oracle says", (vector, version, score) => {
    expect(oracle(vector)).toEqual({ version, score });
    expect(scoreCvssVector(vector)).toEqual({ version, score });
  });

  it.each([
    "CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/",
    "CVSS:3.1//AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H:X",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:X",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:ND",
    "CVSS:3.1/AV:N/AC:L/Au:N/C:P/I:P/A:P",
    "CVSS:2.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:4.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:S/SI:N/SA:N",
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:red",
    "AV:N/AC:L/Au:N/C:P/I:P/A:P/E:X",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H junk",
    "CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
  ])("refuses the malformed vector %j (each metric once, known values, the named version's metrics)", (v) => {
    expect(scoreCvssVector(v)).toBeUndefined();
  });
});
