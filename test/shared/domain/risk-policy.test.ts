import { describe, expect, it } from "vitest";
import {
  DEFAULT_RISK_POLICY,
  epssBandFor,
  epssBandRank,
  parseRiskPolicy,
  RiskPolicyError,
} from "#shared/domain/risk-policy";

describe("RiskPolicy defaults", () => {
  it("publishes the documented defaults", () => {
    const p = DEFAULT_RISK_POLICY;
    expect(p.slaDays).toEqual({ P1: 7, P2: 30, P3: 90, P4: 180 });
    expect(p.kevPriorityFloor).toBe("P2");
    expect(p.weights.kev).toBe(35);
    expect(p.weights.cvssPointsPerUnit).toBe(4);
    expect(p.epss.pocThreshold).toBe(0.1);
    expect(p.epss.calibratedFor).toBe("v2026.06.15");
    expect(p.epss.bands.map((b) => [b.name, b.minPercentile, b.points])).toEqual([
      ["top 1%", 0.99, 15],
      ["top 5%", 0.95, 10],
      ["top 10%", 0.9, 5],
      ["below top 10%", 0, 0],
    ]);
    expect(p.technicalImpact.rceCwes).toContain("CWE-502");
    expect(p.vexSuppressStates).toEqual(["not_affected"]);
  });

  it("parses an empty override to the defaults", () => {
    expect(parseRiskPolicy({})).toEqual(DEFAULT_RISK_POLICY);
    expect(parseRiskPolicy()).toEqual(DEFAULT_RISK_POLICY);
  });
});

describe("parseRiskPolicy overrides", () => {
  it("overrides one nested value and keeps every sibling default", () => {
    const p = parseRiskPolicy({ slaDays: { P1: 3 }, weights: { criticality: { critical: 15 } } });
    expect(p.slaDays).toEqual({ P1: 3, P2: 30, P3: 90, P4: 180 });
    expect(p.weights.criticality).toEqual({ critical: 15, high: 5, medium: 0, low: -10 });
    expect(p.weights.kev).toBe(35);
  });

  it("replaces lists wholesale, sorts EPSS bands highest first and normalizes CWE ids", () => {
    const p = parseRiskPolicy({
      epss: {
        bands: [
          { name: "low", minPercentile: 0, points: 0 },
          { name: "high", minPercentile: 0.97, points: 20 },
        ],
      },
      technicalImpact: { rceCwes: ["cwe-094", "502"] },
    });
    expect(p.epss.bands.map((b) => b.name)).toEqual(["high", "low"]);
    expect(p.technicalImpact.rceCwes).toEqual(["CWE-94", "CWE-502"]);
  });

  it.each([
    [{ slaDay: { P1: 3 } }, /Unrecognized key/],
    [{ weights: { kev: 35.5 } }, /weights\.kev/],
    [{ weights: { kev: -1 } }, /weights\.kev/],
    [{ weights: { devDependency: 5 } }, /weights\.devDependency/],
    [{ slaDays: { P1: 60 } }, /must not shrink/],
    [{ epss: { pocThreshold: 2 } }, /epss\.pocThreshold/],
    [{ epss: { bands: [{ name: "x", minPercentile: 0.5, points: 1 }] } }, /minPercentile 0/],
    [
      {
        epss: {
          bands: [
            { name: "x", minPercentile: 0.5, points: 1 },
            { name: "x", minPercentile: 0, points: 0 },
          ],
        },
      },
      /unique/,
    ],
    [{ kevPriorityFloor: "P0" }, /kevPriorityFloor/],
    [{ technicalImpact: { rceCwes: ["not-a-cwe"] } }, /not a CWE id/],
  ])("rejects %j with a readable error", (input, message) => {
    expect(() => parseRiskPolicy(input)).toThrow(RiskPolicyError);
    expect(() => parseRiskPolicy(input)).toThrow(message);
  });
});

describe("EPSS bands", () => {
  it.each([
    [0.999, "top 1%", 3],
    [0.99, "top 1%", 3],
    [0.98999, "top 5%", 2],
    [0.95, "top 5%", 2],
    [0.9, "top 10%", 1],
    [0.5, "below top 10%", 0],
    [0, "below top 10%", 0],
  ])("percentile %d is in band %s (rank %d)", (percentile, name, rank) => {
    const band = epssBandFor(percentile, DEFAULT_RISK_POLICY);
    expect(band.name).toBe(name);
    expect(epssBandRank(band, DEFAULT_RISK_POLICY)).toBe(rank);
  });
});
