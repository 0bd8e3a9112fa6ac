import { describe, expect, it } from "vitest";
import { type DigestInput, escapeMrkdwn, renderDigest, renderTeamDigest } from "#shared/domain/digest";
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
      findingsTotal: 58,
      fixesTotal: 10,
    }),
    orgWeekAgo: snap("org", "org", {
      actionable: 15,
      open: 40,
      overdue: 1,
      findingsTotal: 50,
      fixesTotal: 6,
    }),
    apps: [
      snap("app", "payments", { risk: 310.4, actionable: 6, overdue: 1, unowned: 1 }),
      snap("app", "checkout", { risk: 120, actionable: 4, unowned: 2, staleApps: 1 }),
      snap("app", "search", { risk: 0, actionable: 0, staleApps: 1 }),
    ],
    teams: [snap("team", "team-a", { actionable: 5 }), snap("team", "team-b", { actionable: 7 })],
    teamsWeekAgo: [snap("team", "team-a", { actionable: 9 }), snap("team", "team-b", { actionable: 7 })],
    trend: [
      { date: "2026-02-23", label: "FEB 23", actionable: 15 },
      { date: "2026-03-02", label: "MAR 02" },
      { date: "2026-03-09", label: "MAR 09", actionable: 12 },
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
    expect(summary).toContain("*Past SLA:* 2 (▲ 1)");
    expect(d.text).toContain("Open actionable risk (P1+P2): 12 (▼ 3)");
  });

  it("shows no arrows in the first week", () => {
    const { orgWeekAgo: _, ...first } = input();
    const summary = sectionTexts(renderDigest(first).slack.blocks)[0] ?? "";
    expect(summary).toContain("*Open actionable risk (P1+P2):* 12\n");
    expect(summary).not.toMatch(/[▲▼]|no change/);
  });

  it("summarises priority, new vs fixed, SLA, MTTR by priority, funnel, exceptions, unowned and stale apps", () => {
    expect(d.text).toContain("By priority: P1 4 · P2 8 · P3 20 · P4 0");
    expect(d.text).toContain("New vs fixed this week: 8 new, 4 fixed");
    expect(d.text).toContain("SLA compliance: 75%");
    expect(d.text).toContain("MTTR by priority: P1 4.5 d · P2 5.0 d · P3 n/a · P4 n/a");
    expect(d.text).toContain("Noise funnel: 70 raw → 40 unique → 12 actionable");
    expect(d.text).toContain("Exceptions: 5 active, 1 expiring within 14 days");
    expect(d.text).toContain("Unowned work: 3 findings, most from checkout (2), payments (1)");
    expect(d.text).toContain("Stale apps (no scan in 14 days): 2");
    expect(d.text).toContain("Stale apps:\n  - checkout\n  - search");
    expect(d.text).toContain(
      "Unowned work by app:\n  - checkout: 2 findings without an owner\n  - payments: 1 findings",
    );
  });

  it("says n/a for SLA and MTTR before anything resolved", () => {
    const fresh = renderDigest(input({ org: snap("org", "org", { apps: 1 }) }));
    expect(fresh.text).toContain("SLA compliance: n/a");
    expect(fresh.text).toContain("MTTR by priority: P1 n/a · P2 n/a · P3 n/a · P4 n/a");
    const { orgWeekAgo: _, ...first } = input();
    expect(renderDigest(first).text).toContain("New vs fixed this week: n/a (first week)");
  });

  it("lists the riskiest apps first and the teams that improved", () => {
    const [, apps, teams] = sectionTexts(d.slack.blocks);
    expect(apps).toBe(
      "*Riskiest apps*\n• payments: risk 310, 6 actionable, 1 past SLA\n• checkout: risk 120, 4 actionable, 0 past SLA",
    );
    expect(teams).toBe("*Teams that improved*\n• team-a: 4 fewer actionable");
  });

  it("has a plain-text part with the same content and the trend", () => {
    expect(d.text.startsWith(`${d.subject}\n`)).toBe(true);
    expect(d.text).toContain("Riskiest apps:\n  - payments: risk 310, 6 actionable, 1 past SLA");
    expect(d.text).toContain("Teams that improved:\n  - team-a: 4 fewer actionable");
    // weeks without a snapshot are left out of the text, not shown as zero
    expect(d.text).toContain("Trend (actionable, weekly): 02-23 15, 03-09 12");
  });

  it("goes out even when nothing changed", () => {
    const quiet = renderDigest(
      input({ apps: [], teams: [], teamsWeekAgo: [], trend: [], orgWeekAgo: input().org }),
    );
    expect(sectionTexts(quiet.slack.blocks)[1]).toBe("*Riskiest apps*\nNo open actionable findings.");
    expect(sectionTexts(quiet.slack.blocks)[2]).toBe(
      "*Teams that improved*\nNo team reduced its actionable count this week.",
    );
    expect(quiet.text).toContain("Riskiest apps:\n  No open actionable findings.");
    expect(quiet.text).toContain("Teams that improved:\n  No team reduced its actionable count this week.");
    expect(quiet.html).toContain("No open actionable findings.");
  });

  it("has an HTML part with the inline chart and table layout", () => {
    expect(d.html).toMatch(/^<!doctype html>/);
    expect(d.html).toContain('<img src="cid:trend.png"');
    expect(d.html).toContain('<table role="presentation"');
    expect(d.html).not.toMatch(/<script|<style|<svg/i);
    expect(d.html).toContain(
      '<td style="padding:6px 10px;border-bottom:1px solid #e5e7eb;font-family:Arial,sans-serif;font-size:14px;">payments: risk 310, 6 actionable, 1 past SLA</td>',
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

describe("digest safety and content", () => {
  it("escapes Slack mrkdwn so a team named <!channel> cannot ping everyone", () => {
    const evil = renderDigest(
      input({
        teams: [snap("team", "<!channel> & <@U123|x>", { actionable: 1 })],
        teamsWeekAgo: [snap("team", "<!channel> & <@U123|x>", { actionable: 5 })],
        apps: [snap("app", "<https://evil.example|click>", { risk: 9, actionable: 1 })],
      }),
    );
    const all = JSON.stringify(evil.slack);
    expect(all).not.toMatch(/<!channel>|<@U123|<https:/);
    expect(all).toContain("&lt;!channel&gt; &amp; &lt;@U123|x&gt;: 4 fewer actionable");
    expect(all).toContain("&lt;https://evil.example|click&gt;: risk 9");
    expect(escapeMrkdwn("a & b < c > d")).toBe("a &amp; b &lt; c &gt; d");
  });

  it("has Teams that improved, unowned apps, stale apps and expiring exceptions in the HTML", () => {
    const html = renderDigest(
      input({
        expiring: [
          {
            id: "e1",
            covers: "CVE-2026-1 (all apps)",
            expiresAt: "2026-03-15T00:00:00Z",
            reason: "unreachable",
          },
        ],
      }),
    ).html;
    expect(html).toContain(">Teams that improved</td>");
    expect(html).toContain("team-a: 4 fewer actionable");
    expect(html).toContain(">Unowned work by app</td>");
    expect(html).toContain(">Stale apps</td>");
    expect(html).toContain("CVE-2026-1 (all apps): expires 2026-03-15 (unreachable)");
    expect(html).toContain('alt="Open actionable findings (P1+P2), last 12 weeks: 02-23 15, 03-09 12"');
  });
});

describe("renderTeamDigest", () => {
  const team = renderTeamDigest({
    date: DATE,
    team: "payments",
    snapshot: snap("team", "payments", {
      actionable: 3,
      open: 9,
      overdue: 2,
      findingsTotal: 12,
      fixesTotal: 3,
    }),
    weekAgo: snap("team", "payments", {
      actionable: 5,
      open: 9,
      overdue: 1,
      findingsTotal: 10,
      fixesTotal: 1,
    }),
    trend: [{ date: DATE, label: "MAR 09", actionable: 3 }],
    topFixes: Array.from({ length: 7 }, (_, i) => ({
      app: "payments-api",
      title: `Upgrade lib-${i} to 2.0`,
      priority: i < 2 ? "P1" : "P2",
      findings: i + 1,
      risk: 90 - i,
      dueAt: "2026-03-20T00:00:00Z",
      ...(i === 0 ? { ticket: "PAY-12" } : {}),
    })),
    breaches: [
      { app: "ledger", title: "SQL injection in Orders.java", priority: "P1", dueAt: "2026-03-01T00:00:00Z" },
    ],
  });

  it("names the team and its numbers in the subject", () => {
    expect(team.subject).toBe("Team payments: 3 actionable, 2 past SLA — security digest 2026-03-09");
    expect(team.text).toContain("Open actionable risk (P1+P2): 3 (▼ 2)");
    expect(team.text).toContain("New vs fixed this week: 2 new, 2 fixed");
  });

  it("lists its top 5 fixes and its SLA breaches", () => {
    const [, fixes, breaches] = sectionTexts(team.slack.blocks);
    expect(fixes?.split("\n")).toEqual([
      "*Top 5 fixes*",
      "• [P1] Upgrade lib-0 to 2.0 (payments-api, 1 finding, due 2026-03-20, PAY-12)",
      "• [P1] Upgrade lib-1 to 2.0 (payments-api, 2 findings, due 2026-03-20)",
      "• [P2] Upgrade lib-2 to 2.0 (payments-api, 3 findings, due 2026-03-20)",
      "• [P2] Upgrade lib-3 to 2.0 (payments-api, 4 findings, due 2026-03-20)",
      "• [P2] Upgrade lib-4 to 2.0 (payments-api, 5 findings, due 2026-03-20)",
    ]);
    expect(breaches).toBe("*SLA breaches (2)*\n• [P1] SQL injection in Orders.java (ledger), due 2026-03-01");
    expect(team.html).toContain(">Top 5 fixes</td>");
  });

  it("gives the triage queue the apps that cause unowned work", () => {
    const triage = renderTeamDigest({
      date: DATE,
      team: "unowned",
      snapshot: snap("team", "unowned", { open: 5 }),
      trend: [],
      topFixes: [],
      breaches: [],
      unownedApps: [{ app: "batch-jobs", count: 4 }],
    });
    expect(triage.subject).toMatch(/^Unowned work \(triage\): /);
    expect(triage.text).toContain("Unowned work by app:\n  - batch-jobs: 4 findings without an owner");
  });
});
