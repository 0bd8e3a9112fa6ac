import { mttrDays, type PostureSnapshot, slaCompliance } from "./posture.ts";

/**
 * The weekly digests (DESIGN §9), rendered from snapshots (and, for a team, its riskiest open work):
 * the leaders' digest for the org, and one per team. Each renders to Slack Block Kit (within its
 * limits: 50 blocks, 3,000 chars per section; every name escaped so `<!channel>` stays text) and an
 * email (HTML with table layout and inline styles, plus plain text). It goes out even when nothing
 * changed.
 */

export interface TrendPoint {
  /** The week's date (the snapshot's, or the slot's when there is none). */
  date: string;
  /** Axis label, e.g. `MAR 09`. */
  label: string;
  actionable?: number;
}

export interface ExpiringException {
  id: string;
  /** What it covers: `CVE-2026-1 (all apps)`, `rule x in app y`, `finding z in app y`. */
  covers: string;
  expiresAt: string;
  reason: string;
}

export interface DigestInput {
  date: string;
  org: PostureSnapshot;
  /** The org snapshot a week earlier, for trends (absent in the first week). */
  orgWeekAgo?: PostureSnapshot;
  apps: PostureSnapshot[];
  teams: PostureSnapshot[];
  teamsWeekAgo: PostureSnapshot[];
  /** Open actionable (P1+P2) at the end of each of the last 12 weeks, oldest first. */
  trend: TrendPoint[];
  expiring?: ExpiringException[];
}

/** A fix a team should do: one ticket group. */
export interface TeamFix {
  app: string;
  title: string;
  priority: string;
  findings: number;
  risk: number;
  dueAt?: string;
  ticket?: string;
}

export interface SlaBreach {
  app: string;
  title: string;
  priority: string;
  dueAt: string;
}

export interface TeamDigestInput {
  date: string;
  team: string;
  snapshot: PostureSnapshot;
  weekAgo?: PostureSnapshot;
  trend: TrendPoint[];
  topFixes: TeamFix[];
  breaches: SlaBreach[];
  /** For the triage queue (`unowned`): the apps whose findings nobody owns. */
  unownedApps?: Array<{ app: string; count: number }>;
}

export interface Digest {
  subject: string;
  slack: { text: string; blocks: unknown[] };
  html: string;
  text: string;
  /** The chart's title and points (the caller draws the PNG). */
  chart: { title: string; points: TrendPoint[] };
}

const MAX_SECTION = 3000;
const MAX_BLOCKS = 50;
export const TREND_TITLE = "Open actionable findings (P1+P2), last 12 weeks";

/** Slack mrkdwn control characters (api.slack.com, "Escaping text"): a name can never be a mention or link. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function clip(s: string, max = MAX_SECTION): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function arrow(now: number, before: number | undefined): string {
  if (before === undefined) return "";
  if (now === before) return " (no change)";
  return now > before ? ` (▲ ${now - before})` : ` (▼ ${before - now})`;
}

function pct(value: number | undefined): string {
  return value === undefined ? "n/a" : `${Math.round(value * 100)}%`;
}

function days(value: number | undefined): string {
  return value === undefined ? "n/a" : `${value.toFixed(1)} d`;
}

interface Line {
  label: string;
  value: string;
}

interface Section {
  title: string;
  items: string[];
  empty: string;
}

function coreLines(s: PostureSnapshot, w: PostureSnapshot | undefined): Line[] {
  return [
    { label: "Open actionable risk (P1+P2)", value: `${s.actionable}${arrow(s.actionable, w?.actionable)}` },
    { label: "Open findings", value: `${s.open}${arrow(s.open, w?.open)}` },
    {
      label: "By priority",
      value: ["P1", "P2", "P3", "P4"].map((p) => `${p} ${s.openByPriority[p] ?? 0}`).join(" · "),
    },
    {
      label: "New vs fixed this week",
      value: w
        ? `${Math.max(0, s.findingsTotal - w.findingsTotal)} new, ${Math.max(0, s.fixesTotal - w.fixesTotal)} fixed`
        : "n/a (first week)",
    },
    { label: "Past SLA", value: `${s.overdue}${arrow(s.overdue, w?.overdue)}` },
    { label: "SLA compliance", value: pct(slaCompliance(s)) },
    {
      label: "MTTR by priority",
      value: ["P1", "P2", "P3", "P4"].map((p) => `${p} ${days(mttrDays(s, p))}`).join(" · "),
    },
  ];
}

/** One renderer for both digests: Slack (escaped), plain text (as is) and HTML (escaped). */
function render(
  subject: string,
  header: string,
  lines: Line[],
  sections: Section[],
  trend: TrendPoint[],
): Digest {
  const blocks: unknown[] = [
    { type: "header", text: { type: "plain_text", text: header.slice(0, 150) } },
    {
      type: "section",
      text: {
        type: "mrkdwn",
        text: clip(lines.map((l) => `*${escapeMrkdwn(l.label)}:* ${escapeMrkdwn(l.value)}`).join("\n")),
      },
    },
    { type: "divider" },
    ...sections.map((s) => ({
      type: "section",
      text: {
        type: "mrkdwn",
        text: clip(
          `*${escapeMrkdwn(s.title)}*\n${s.items.length ? s.items.map((i) => `• ${escapeMrkdwn(i)}`).join("\n") : escapeMrkdwn(s.empty)}`,
        ),
      },
    })),
    {
      type: "context",
      elements: [{ type: "mrkdwn", text: "Generated by ASPM from daily posture snapshots." }],
    },
  ].slice(0, MAX_BLOCKS);

  const trendText = trend
    .filter((t) => t.actionable !== undefined)
    .map((t) => `${t.date.slice(5)} ${t.actionable}`)
    .join(", ");
  const text = [
    subject,
    "",
    ...lines.map((l) => `${l.label}: ${l.value}`),
    ...sections.flatMap((s) => [
      "",
      `${s.title}:`,
      ...(s.items.length ? s.items.map((i) => `  - ${i}`) : [`  ${s.empty}`]),
    ]),
    "",
    `Trend (actionable, weekly): ${trendText || "no data yet"}`,
  ].join("\n");

  const font = "font-family:Arial,sans-serif;";
  const cell = `padding:6px 10px;border-bottom:1px solid #e5e7eb;${font}font-size:14px;`;
  const rows = lines
    .map(
      (l) =>
        `<tr><td style="${cell}color:#374151;">${escapeHtml(l.label)}</td><td style="${cell}font-weight:bold;">${escapeHtml(l.value)}</td></tr>`,
    )
    .join("");
  const sectionHtml = sections
    .map(
      (s) =>
        `<tr><td style="padding:12px 20px 4px;${font}font-size:16px;font-weight:bold;color:#111827;">${escapeHtml(s.title)}</td></tr>
<tr><td style="padding:0 20px 8px;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0">${
          s.items.length
            ? s.items.map((i) => `<tr><td style="${cell}">${escapeHtml(i)}</td></tr>`).join("")
            : `<tr><td style="${cell}color:#6b7280;">${escapeHtml(s.empty)}</td></tr>`
        }</table></td></tr>`,
    )
    .join("\n");
  const html = `<!doctype html><html><body style="margin:0;padding:0;background:#f9fafb;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f9fafb;"><tr><td align="center" style="padding:24px;">
<table role="presentation" width="640" cellpadding="0" cellspacing="0" style="background:#ffffff;border:1px solid #e5e7eb;">
<tr><td style="padding:16px 20px;${font}font-size:20px;font-weight:bold;color:#111827;">${escapeHtml(subject)}</td></tr>
<tr><td style="padding:0 20px;"><img src="cid:trend.png" alt="${escapeHtml(`${TREND_TITLE}: ${trendText || "no data yet"}`)}" width="600" height="240" style="display:block;border:0;"></td></tr>
<tr><td style="padding:12px 20px;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0">${rows}</table></td></tr>
${sectionHtml}
<tr><td style="padding:12px 20px 20px;${font}font-size:12px;color:#6b7280;">Generated by ASPM from daily posture snapshots.</td></tr>
</table></td></tr></table></body></html>`;
  return {
    subject,
    slack: { text: escapeMrkdwn(subject), blocks },
    html,
    text,
    chart: { title: TREND_TITLE, points: trend },
  };
}

function riskiestApps(input: DigestInput): PostureSnapshot[] {
  return [...input.apps]
    .filter((a) => a.actionable > 0 || a.risk > 0)
    .sort((a, b) => b.risk - a.risk || b.actionable - a.actionable)
    .slice(0, 5);
}

export function improvedTeams(
  input: Pick<DigestInput, "teams" | "teamsWeekAgo">,
): Array<{ team: string; delta: number }> {
  const before = new Map(input.teamsWeekAgo.map((t) => [t.scopeId, t.actionable]));
  return input.teams
    .map((t) => ({ team: t.scopeId, delta: (before.get(t.scopeId) ?? t.actionable) - t.actionable }))
    .filter((t) => t.delta > 0)
    .sort((a, b) => b.delta - a.delta || (a.team < b.team ? -1 : 1))
    .slice(0, 5);
}

/** The leaders' digest for the whole organisation. */
export function renderDigest(input: DigestInput): Digest {
  const o = input.org;
  const unownedApps = input.apps
    .filter((a) => a.unowned > 0)
    .sort((a, b) => b.unowned - a.unowned || (a.scopeId < b.scopeId ? -1 : 1));
  const staleApps = input.apps
    .filter((a) => a.staleApps > 0)
    .map((a) => a.scopeId)
    .sort();
  const lines: Line[] = [
    ...coreLines(o, input.orgWeekAgo),
    {
      label: "Noise funnel",
      value: `${o.funnel.raw} raw → ${o.funnel.unique} unique → ${o.funnel.actionable} actionable`,
    },
    {
      label: "Exceptions",
      value: `${o.exceptionsActive} active, ${o.exceptionsExpiring} expiring within 14 days`,
    },
    {
      label: "Unowned work",
      value: `${o.unowned} findings${
        unownedApps.length
          ? `, most from ${unownedApps
              .slice(0, 3)
              .map((a) => `${a.scopeId} (${a.unowned})`)
              .join(", ")}`
          : ""
      }`,
    },
    { label: "Stale apps (no scan in 14 days)", value: String(o.staleApps) },
    { label: "Unclassified apps", value: String(o.unclassifiedApps) },
  ];
  const sections: Section[] = [
    {
      title: "Riskiest apps",
      items: riskiestApps(input).map(
        (a) => `${a.scopeId}: risk ${Math.round(a.risk)}, ${a.actionable} actionable, ${a.overdue} past SLA`,
      ),
      empty: "No open actionable findings.",
    },
    {
      title: "Teams that improved",
      items: improvedTeams(input).map((t) => `${t.team}: ${t.delta} fewer actionable`),
      empty: "No team reduced its actionable count this week.",
    },
    {
      title: "Unowned work by app",
      items: unownedApps.slice(0, 10).map((a) => `${a.scopeId}: ${a.unowned} findings without an owner`),
      empty: "Every open finding has an owner.",
    },
    {
      title: "Exceptions expiring within 14 days",
      items: (input.expiring ?? [])
        .slice(0, 10)
        .map((e) => `${e.covers}: expires ${e.expiresAt.slice(0, 10)} (${e.reason})`),
      empty: "None.",
    },
    {
      title: "Stale apps",
      items: staleApps.slice(0, 15),
      empty: "Every app was scanned in the last 14 days.",
    },
  ];
  const subject = `Security posture ${input.date}: ${o.actionable} actionable (P1+P2) across ${o.apps} apps`;
  return render(subject, `Security posture — week of ${input.date}`, lines, sections, input.trend);
}

/** A team's digest: its numbers, its top 5 fixes and its SLA breaches. */
export function renderTeamDigest(input: TeamDigestInput): Digest {
  const s = input.snapshot;
  const triage = input.team === "unowned";
  const sections: Section[] = [
    {
      title: "Top 5 fixes",
      items: input.topFixes
        .slice(0, 5)
        .map(
          (f) =>
            `[${f.priority}] ${f.title} (${f.app}, ${f.findings} finding${f.findings === 1 ? "" : "s"}${f.dueAt ? `, due ${f.dueAt.slice(0, 10)}` : ""}${f.ticket ? `, ${f.ticket}` : ""})`,
        ),
      empty: triage ? "Unowned work is listed by app below." : "Nothing open and actionable.",
    },
    {
      title: `SLA breaches (${s.overdue})`,
      items: input.breaches
        .slice(0, 10)
        .map((b) => `[${b.priority}] ${b.title} (${b.app}), due ${b.dueAt.slice(0, 10)}`),
      empty: s.overdue
        ? "See the team's findings in the API for the full list."
        : "None: everything is within its SLA.",
    },
  ];
  if (triage)
    sections.push({
      title: "Unowned work by app",
      items: (input.unownedApps ?? [])
        .slice(0, 10)
        .map((a) => `${a.app}: ${a.count} findings without an owner`),
      empty: "Every open finding has an owner.",
    });
  const name = triage ? "Unowned work (triage)" : `Team ${input.team}`;
  const subject = `${name}: ${s.actionable} actionable, ${s.overdue} past SLA — security digest ${input.date}`;
  return render(
    subject,
    `${name} — week of ${input.date}`,
    coreLines(s, input.weekAgo),
    sections,
    input.trend,
  );
}
