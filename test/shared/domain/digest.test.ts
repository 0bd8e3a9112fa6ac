import { describe, expect, it } from "vitest";
import { type DigestInput, renderDigest } from "#shared/domain/digest";
import { emptySnapshot, type PostureSnapshot } from "#shared/domain/posture";

const DATE = "2026-03-09";

function snap(
  scopeKind: PostureSnapshot["scopeKind"],
  scopeId: string,
  over: Partial<PostureSnapshot> = {},
): PostureSnapshot {
  return { ...emptySnapshot(scopeKind, scopeId, DATE), ...over };
}

function input(over: Partial<DigestInput> = {}): DigestInput {
  return {
    date: DATE,
    org: snap("org", "org", {
      apps: 3,
      open: 40,
      actionable: 12,
      overdue: 2,
      openByPriority: { P1: 4, P2: 8, P3: 20 },
      resolvedTotal: 4,
      resolvedWithinSla: 3,
      mttrDaysSum: { P1: 9, P2: 20 },
      mttrCount: { P1: 2, P2: 4 },
      funnel: { raw: 70, unique: 40, actionable: 12 },
      exceptionsActive: 5,
      exceptionsExpiring: 1,
      unowned: 3,
      unclassifiedApps: 1,
      staleApps: 2,
    }),
    orgWeekAgo: snap("org", "org", { actionable: 15, open: 40, overdue: 1 }),
    apps: [
      snap("app", "payments", { risk: 310.4, actionable: 6, overdue: 1 }),
      snap("app", "checkout", { risk: 120, actionable: 4 }),
      snap("app", "search", { risk: 0, actionable: 0 }),
    ],
    teams: [snap("team", "team-a", { actionable: 5 }), snap("team", "team-b", { actionable: 7 })],
    teamsWeekAgo: [snap("team", "team-a", { actionable: 9 }), snap("team", "team-b", { actionable: 7 })],
    trend: [
      { date: "2026-03-07", actionable: 15 },
      { date: "2026-03-08", actionable: 13 },
      { date: "2026-03-09", actionable: 12 },
    ],
    ...over,
  };
}

interface Block {
  type: string;
  text?: { type: string; text: string };
  elements?: Array<{ type: string; text: string }>;
}

function sectionTexts(blocks: unknown[]): string[] {
  return (blocks as Block[]).filter((b) => b.type === "section").map((b) => b.text?.text ?? "");
}

describe("renderDigest", () => {
  const d = renderDigest(input());

  it("states the headline in the subject", () => {
    expect(d.subject).toBe("Security posture 2026-03-09: 12 actionable (P1+P2) across 3 apps");
    expect(d.slack.text).toBe(d.subject);
  });

  it("shows trend arrows against the week before", () => {
    const summary = sectionTexts(d.slack.blocks)[0] ?? "";
    expect(summary).toContain("*Open actionable risk (P1+P2):* 12 (▼ 3)");
    expect(summary).toContain("*Open findings:* 40 (no change)");
    expect(summary).toContain("*Overdue:* 2 (▲ 1)");
    expect(d.text).toContain("Open actionable risk (P1+P2): 12 (▼ 3)");
  });

  it("shows no arrows in the first week", () => {
    const { orgWeekAgo: _, ...first } = input();
    const summary = sectionTexts(renderDigest(first).slack.blocks)[0] ?? "";
    expect(summary).toContain("*Open actionable risk (P1+P2):* 12\n");
    expect(summary).not.toMatch(/[▲▼]|no change/);
  });

  it("summarises priority, SLA, MTTR, funnel, exceptions and hygiene", () => {
    expect(d.text).toContain("By priority: P1 4 · P2 8 · P3 20 · P4 0");
    expect(d.text).toContain("SLA compliance: 75%");
    expect(d.text).toContain("MTTR (P1 / P2): 4.5 d / 5.0 d");
    expect(d.text).toContain("Noise funnel: 70 raw → 40 unique → 12 actionable");
    expect(d.text).toContain("Exceptions: 5 active, 1 expiring within 14 days");
    expect(d.text).toContain(
      "Hygiene: 3 unowned findings, 1 unclassified apps, 2 apps not scanned in 7 days",
    );
  });

  it("says n/a for SLA and MTTR before anything resolved", () => {
    const fresh = renderDigest(input({ org: snap("org", "org", { apps: 1 }) }));
    expect(fresh.text).toContain("SLA compliance: n/a");
    expect(fresh.text).toContain("MTTR (P1 / P2): n/a / n/a");
  });

  it("lists the riskiest apps first and the teams that improved", () => {
    const [, apps, teams] = sectionTexts(d.slack.blocks);
    expect(apps).toBe(
      "*Riskiest apps*\n• payments: risk 310, 6 actionable, 1 overdue\n• checkout: risk 120, 4 actionable, 0 overdue\n• search: risk 0, 0 actionable, 0 overdue",
    );
    expect(teams).toBe("*Teams that improved*\n• team-a: 4 fewer actionable");
  });

  it("has a plain-text part with the same content and the trend", () => {
    expect(d.text.startsWith(`${d.subject}\n`)).toBe(true);
    expect(d.text).toContain("Riskiest apps:\n  - payments: risk 310, 6 actionable, 1 overdue");
    expect(d.text).toContain("Teams that improved:\n  - team-a: 4 fewer actionable");
    expect(d.text).toContain("Trend (actionable): 03-07 15, 03-08 13, 03-09 12");
  });

  it("goes out even when nothing changed", () => {
    const quiet = renderDigest(
      input({ apps: [], teams: [], teamsWeekAgo: [], trend: [], orgWeekAgo: input().org }),
    );
    expect(sectionTexts(quiet.slack.blocks)[1]).toBe("*Riskiest apps*\nNo open actionable findings.");
    expect(sectionTexts(quiet.slack.blocks)[2]).toBe(
      "*Teams that improved*\nNo team reduced its actionable count this week.",
    );
    expect(quiet.text).toContain("Riskiest apps:\n  none");
    expect(quiet.text).toContain("Teams that improved:\n  none this week");
    expect(quiet.html).toContain("No open actionable findings.");
  });

  it("has an HTML part with the inline chart and table layout", () => {
    expect(d.html).toMatch(/^<!doctype html>/);
    expect(d.html).toContain('<img src="cid:trend.png"');
    expect(d.html).toContain('<table role="presentation"');
    expect(d.html).not.toMatch(/<script|<style|<svg/i);
    expect(d.html).toContain(
      '<td style="padding:6px 10px;border-bottom:1px solid #e5e7eb;font-family:Arial,sans-serif;font-size:14px;">payments</td>',
    );
  });

  it("escapes app names in the HTML", () => {
    const evil = renderDigest(
      input({ apps: [snap("app", `<img src=x onerror="alert(1)">&co`, { risk: 99, actionable: 1 })] }),
    );
    expect(evil.html).not.toContain("<img src=x");
    expect(evil.html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;co");
  });

  it("stays within Slack's limits with many apps and teams and very long names", () => {
    const apps = Array.from({ length: 500 }, (_, i) =>
      snap("app", `app-${String(i).padStart(3, "0")}-${"x".repeat(900)}`, { risk: i, actionable: i }),
    );
    const teams = Array.from({ length: 200 }, (_, i) =>
      snap("team", `team-${i}-${"y".repeat(900)}`, { actionable: 0 }),
    );
    const teamsWeekAgo = teams.map((t, i) => ({ ...t, actionable: i + 1 }));
    const big = renderDigest(input({ apps, teams, teamsWeekAgo, date: "2026-03-09".repeat(30) }));
    expect(big.slack.blocks.length).toBeLessThanOrEqual(50);
    for (const text of sectionTexts(big.slack.blocks)) expect(text.length).toBeLessThanOrEqual(3000);
    const header = (big.slack.blocks as Block[]).find((b) => b.type === "header");
    expect(header?.text?.type).toBe("plain_text");
    expect(header?.text?.text.length).toBeLessThanOrEqual(150);
    // the riskiest app leads and the clipped text says it was clipped
    const apps1 = sectionTexts(big.slack.blocks)[1] ?? "";
    expect(apps1.startsWith("*Riskiest apps*\n• app-499-")).toBe(true);
    expect(apps1.endsWith("…")).toBe(true);
    expect(big.html).toContain("app-499-");
    expect(big.html).not.toContain("app-000-");
  });
});
