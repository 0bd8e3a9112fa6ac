import { describe, expect, it } from "vitest";
import { isNetworkAttackVector, scoreCvssVector } from "#shared/domain/cvss";

describe("scoreCvssVector", () => {
  it.each([
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "3.1", 9.8],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", "3.1", 10],
    ["CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", "3.1", 5.9],
    ["CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "3.0", 9.8],
    ["AV:N/AC:L/Au:N/C:P/I:P/A:P", "2.0", 7.5],
    ["(AV:N/AC:L/Au:N/C:P/I:P/A:P)", "2.0", 7.5],
    ["CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P", "2.0", 7.5],
    ["CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "4.0", 9.3],
    ["  CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H  ", "3.1", 7.8],
  ] as const)("%s → v%s %d", (vector, version, score) => {
    expect(scoreCvssVector(vector)).toEqual({ version, score });
  });

  it("uses the threat metrics a v4.0 vector carries (CVSS-BT)", () => {
    expect(scoreCvssVector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U")).toEqual({
      version: "4.0",
      score: 8.1,
    });
  });

  it("takes the version hint for a vector that lost its prefix", () => {
    expect(scoreCvssVector("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "3.1")).toEqual({
      version: "3.1",
      score: 9.8,
    });
    // a wrong hint does not break a vector that names its own version
    expect(scoreCvssVector("AV:N/AC:L/Au:N/C:P/I:P/A:P", "3.1")).toEqual({ version: "2.0", score: 7.5 });
  });

  it.each([
    "",
    "   ",
    "garbage",
    "CVSS:3.1/AV:N",
    "CVSS:3.1/AV:Z/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX:YY",
    "CVSS:9.9/AV:N/AC:L",
    "CVSS:4.0/AV:N",
    "cvss:3.1/av:n/ac:l/pr:n/ui:n/s:u/c:h/i:h/a:h",
    `CVSS:3.1/${"AV:N/".repeat(200)}`,
  ])("returns undefined for the bad vector %j, never throws", (vector) => {
    expect(scoreCvssVector(vector)).toBeUndefined();
  });
});

describe("isNetworkAttackVector", () => {
  it.each([
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", true],
    ["CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", true],
    ["(AV:N/AC:L/Au:N/C:P/I:P/A:P)", true],
    ["CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", false],
    ["CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", false],
    [undefined, false],
  ] as const)("%s → %s", (vector, expected) => {
    expect(isNetworkAttackVector(vector)).toBe(expected);
  });
});
