import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareVersions, highestVersion, lowestVersion } from "#shared/domain/version";

// normalised so that -0 and 0 compare equal
const sign = (n: number) => Math.sign(n) || 0;

describe("compareVersions", () => {
  it.each([
    ["1.2.3", "1.2.4"],
    ["1.2.9", "1.2.10"],
    ["1.9.0", "1.10.0"],
    ["2.0.0", "10.0.0"],
    ["0.9", "1.0"],
    ["1.2", "1.2.1"],
    ["4.17.20", "4.17.21"],
  ])("orders numeric segments as numbers: %s < %s", (a, b) => {
    expect(compareVersions(a, b)).toBeLessThan(0);
    expect(compareVersions(b, a)).toBeGreaterThan(0);
  });

  it("treats missing trailing segments as zero", () => {
    expect(compareVersions("1.0", "1.0.0")).toBe(0);
    expect(compareVersions("2", "2.0.0.0")).toBe(0);
    expect(compareVersions("1.0.0.1", "1.0")).toBeGreaterThan(0);
  });

  it("ignores a v prefix in either case and surrounding whitespace", () => {
    expect(compareVersions("v1.2.3", "1.2.3")).toBe(0);
    expect(compareVersions("V1.2.3", "v1.2.3")).toBe(0);
    expect(compareVersions(" 1.2.3 ", "v1.2.3")).toBe(0);
    expect(compareVersions("v1.10.0", "1.9.9")).toBeGreaterThan(0);
  });

  it("sorts pre-releases before their release", () => {
    expect(compareVersions("1.0.0-rc1", "1.0.0")).toBeLessThan(0);
    expect(compareVersions("1.0.0", "1.0.0-beta")).toBeGreaterThan(0);
    expect(compareVersions("2.0.0-alpha", "2.0.0-beta")).toBeLessThan(0);
    expect(compareVersions("2.0.0-beta", "2.0.0-rc.1")).toBeLessThan(0);
    // a pre-release of a later version is still after the earlier release
    expect(compareVersions("1.0.1-rc1", "1.0.0")).toBeGreaterThan(0);
    expect(compareVersions("1.0-rc1", "1.0.0")).toBeLessThan(0);
  });

  it("orders numeric pre-release identifiers numerically (SemVer 2.0.0 §11.4.1: rc.2 < rc.10)", () => {
    expect(compareVersions("1.0.0-rc.2", "1.0.0-rc.10")).toBeLessThan(0);
    expect(compareVersions("1.0.0-beta.11", "1.0.0-beta.2")).toBeGreaterThan(0);
  });

  it("orders epochs before everything else", () => {
    expect(compareVersions("1:1.0", "2.0")).toBeGreaterThan(0);
    expect(compareVersions("1:1.0", "2:0.1")).toBeLessThan(0);
    expect(compareVersions("0:1.2.3", "1.2.3")).toBe(0);
    expect(compareVersions("2:1.0-1", "1:9.9-9")).toBeGreaterThan(0);
  });

  it("orders Debian revisions after the upstream version", () => {
    expect(compareVersions("1.2.3-1", "1.2.3-2")).toBeLessThan(0);
    expect(compareVersions("1:2.36.1-8+deb11u1", "1:2.36.1-8")).toBeGreaterThan(0);
  });

  it("is reflexive and antisymmetric on numeric versions, and agrees with tuple order", () => {
    const version = fc.array(fc.nat({ max: 30 }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(version, version, (a, b) => {
        const va = a.join(".");
        const vb = b.join(".");
        expect(compareVersions(va, va)).toBe(0);
        expect(sign(compareVersions(va, vb)) + sign(compareVersions(vb, va))).toBe(0);
        const n = Math.max(a.length, b.length);
        let expected = 0;
        for (let i = 0; i < n && expected === 0; i++) expected = sign((a[i] ?? 0) - (b[i] ?? 0));
        expect(sign(compareVersions(va, vb))).toBe(expected);
      }),
    );
  });
});

describe("lowestVersion / highestVersion", () => {
  it("pick by version order, not string order", () => {
    const versions = ["1.10.0", "1.9.0", "1.2.5", "1.3.0-rc1"];
    expect(lowestVersion(versions)).toBe("1.2.5");
    expect(highestVersion(versions)).toBe("1.10.0");
  });

  it("return undefined for no versions", () => {
    expect(lowestVersion([])).toBeUndefined();
    expect(highestVersion([])).toBeUndefined();
  });

  it("do not reorder the caller's array", () => {
    const versions = ["3.0.0", "1.0.0", "2.0.0"];
    lowestVersion(versions);
    highestVersion(versions);
    expect(versions).toEqual(["3.0.0", "1.0.0", "2.0.0"]);
  });

  it("prefer the release over its pre-release", () => {
    expect(highestVersion(["2.0.0", "2.0.0-rc1"])).toBe("2.0.0");
    expect(lowestVersion(["2.0.0", "2.0.0-rc1"])).toBe("2.0.0-rc1");
  });
});
