import { describe, expect, it } from "vitest";
import { type FindingDraft, makeFinding, withFindingCap } from "#shared/parsers/finding-builder";

const draft = (over: Partial<FindingDraft> = {}): FindingDraft => ({
  category: "sca",
  tool: { name: "Trivy" },
  rule: { id: "CVE-2024-1", name: "a flaw" },
  title: "a flaw",
  severity: "high",
  ...over,
});

describe("values a report's findings repeat are shared, frozen, and never mixed up", () => {
  it("shares the rule, the CVSS block, one-item lists and an image location between findings", () => {
    const [a, b] = withFindingCap(10, () => {
      const common = {
        cvss: { version: "3.1" as const, vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 9.8 },
        cwes: ["CWE-79"],
        tags: ["status:fixed"],
        location: { image: "shop:1.0" },
      };
      return [makeFinding(draft(common)), makeFinding(draft(common))];
    });
    expect(a?.rule).toBe(b?.rule);
    expect(a?.cvss).toBe(b?.cvss);
    expect(a?.cwes).toBe(b?.cwes);
    expect(a?.tags).toBe(b?.tags);
    expect(a?.location).toBe(b?.location);
    for (const shared of [a?.rule, a?.cvss, a?.cwes, a?.tags, a?.location])
      expect(Object.isFrozen(shared)).toBe(true);
    const cwes: string[] = a?.cwes ?? [];
    expect(() => cwes.push("CWE-89")).toThrow(TypeError);
  });

  it("keeps values that differ apart: a rule renamed, a score changed, a tag that looks like a CWE", () => {
    const [a, b, c, d] = withFindingCap(10, () => [
      makeFinding(
        draft({ cvss: { version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" } }),
      ),
      makeFinding(
        draft({
          rule: { id: "CVE-2024-1", name: "another name" },
          cvss: { version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 9.8 },
        }),
      ),
      makeFinding(draft({ tags: ["cwe-079"] })),
      makeFinding(draft({ cwes: ["cwe-079"] })),
    ]);
    expect(a?.rule.name).toBe("a flaw");
    expect(b?.rule.name).toBe("another name");
    expect(a?.cvss?.score).toBeUndefined();
    expect(b?.cvss?.score).toBe(9.8);
    expect(c?.tags).toEqual(["cwe-079"]);
    expect(d?.cwes).toEqual(["CWE-79"]);
  });

  it("starts afresh for each report", () => {
    const first = withFindingCap(10, () => makeFinding(draft({ tags: ["x"] })));
    const second = withFindingCap(10, () => makeFinding(draft({ tags: ["x"] })));
    expect(first.tags).toEqual(second.tags);
    expect(first.tags).not.toBe(second.tags);
  });
});
