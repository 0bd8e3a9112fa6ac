import { describe, expect, it } from "vitest";
import { newestCvss } from "#shared/parsers/newest-cvss";

describe("newestCvss", () => {
  it("keeps the newest version, and the first listed among equals", () => {
    expect(
      newestCvss([
        { version: "2.0", vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P", score: 7.5 },
        { version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", score: 7.5 },
        { version: "3.1", vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H", score: 5.9 },
        undefined,
      ]),
    ).toEqual({ version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", score: 7.5 });
  });

  it("scores a vector that comes without a score, and never rescores a given one", () => {
    expect(
      newestCvss([{ version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }])?.score,
    ).toBe(9.8);
    expect(
      newestCvss([{ version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 4 }])
        ?.score,
    ).toBe(4);
  });

  it("keeps an unscorable vector without a score, and nothing from nothing", () => {
    expect(newestCvss([{ version: "3.1", vector: "CVSS:3.1/AV:N" }])).toEqual({
      version: "3.1",
      vector: "CVSS:3.1/AV:N",
    });
    expect(newestCvss([])).toBeUndefined();
  });
});
