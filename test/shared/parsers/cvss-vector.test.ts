import { describe, expect, it } from "vitest";
import { cvssFrom } from "#shared/parsers/cvss-vector";

describe("cvssFrom", () => {
  it("takes the version from a v3 or v4 vector prefix and keeps a valid score", () => {
    expect(cvssFrom("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8)).toEqual({
      version: "3.1",
      vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
      score: 9.8,
    });
    expect(cvssFrom("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "9.3")?.score).toBe(
      9.3,
    );
  });

  it("recognizes an unprefixed v2 vector", () => {
    expect(cvssFrom("AV:N/AC:L/Au:N/C:P/I:P/A:P")).toEqual({
      version: "2.0",
      vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P",
    });
  });

  it("drops a score out of range, and anything without a recognizable vector", () => {
    expect(cvssFrom("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 42)?.score).toBeUndefined();
    expect(cvssFrom(undefined, 7.5)).toBeUndefined();
    expect(cvssFrom("not a vector", 7.5)).toBeUndefined();
  });
});
