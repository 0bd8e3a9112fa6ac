import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  AUTOMATABLES,
  Automatable,
  CISA_COORDINATOR_TABLE,
  decide,
  EXPLOITATIONS,
  Exploitation,
  MISSION_LEVELS,
  MissionLevel,
  SsvcDecision,
  TECHNICAL_IMPACTS,
  TechnicalImpact,
} from "#shared/domain/ssvc";
import { REPO_ROOT, readFixture } from "#test/support/corpus";

/** The CSV as CERT/CC publishes it, mapped to our words (`public poc` → poc, `track*` → Track*). */
function csvRows() {
  const [header, ...lines] = readFixture("ssvc/cisa_coordinator_2_0_3.csv")
    .toString("utf8")
    .trim()
    .split("\n");
  expect(header).toBe(
    "row,Exploitation v1.1.0,Automatable v2.0.0,Technical Impact v1.0.0,Mission and Well-Being Impact v1.0.0,CISA Levels v1.1.0 (cisa)",
  );
  const decisions: Record<string, SsvcDecision> = {
    track: "Track",
    "track*": "Track*",
    attend: "Attend",
    act: "Act",
  };
  return lines.map((line) => {
    const [row, e, a, t, m, d] = line.trim().split(",");
    return {
      row: Number(row),
      exploitation: Exploitation.parse(e === "public poc" ? "poc" : e),
      automatable: Automatable.parse(a),
      technicalImpact: TechnicalImpact.parse(t),
      mission: MissionLevel.parse(m),
      decision: SsvcDecision.parse(decisions[d ?? ""]),
    };
  });
}

const rows = csvRows();

describe("SSVC: CISA coordinator table (CERTCC/SSVC cisa_coordinator_2_0_3.csv)", () => {
  it("has 36 rows, one per combination of the decision points", () => {
    expect(rows).toHaveLength(36);
    expect(CISA_COORDINATOR_TABLE).toHaveLength(36);
    const combos = new Set(CISA_COORDINATOR_TABLE.map(([e, a, t, m]) => `${e}|${a}|${t}|${m}`));
    expect(combos.size).toBe(
      EXPLOITATIONS.length * AUTOMATABLES.length * TECHNICAL_IMPACTS.length * MISSION_LEVELS.length,
    );
  });

  it("encodes the CSV row for row, in the CSV's order", () => {
    expect(CISA_COORDINATOR_TABLE.map(([e, a, t, m, d]) => [e, a, t, m, d])).toEqual(
      rows.map((r) => [r.exploitation, r.automatable, r.technicalImpact, r.mission, r.decision]),
    );
  });

  it.each(rows)(
    "row $row: $exploitation / $automatable / $technicalImpact / $mission → $decision",
    ({ exploitation, automatable, technicalImpact, mission, decision }) => {
      expect(decide(exploitation, automatable, technicalImpact, mission)).toBe(decision);
    },
  );

  it("is the table published in docs/RISK.md", () => {
    // rows are compared without the column padding a formatter may add
    const doc = readFileSync(resolve(REPO_ROOT, "docs/RISK.md"), "utf8")
      .split("\n")
      .map((line) => (line.startsWith("|") ? line.replace(/ {2,}\|/g, " |").replace(/\| {2,}/g, "| ") : line))
      .join("\n");
    const documented = [
      ...doc.matchAll(
        /^\| (\d+) \| (none|poc|active) \| (no|yes) \| (partial|total) \| (low|medium|high) \| (Track\*?|Attend|Act) \|$/gm,
      ),
    ];
    expect(documented.map((m) => m.slice(1).join(","))).toEqual(
      rows.map((r) =>
        [r.row, r.exploitation, r.automatable, r.technicalImpact, r.mission, r.decision].join(","),
      ),
    );
  });
});
