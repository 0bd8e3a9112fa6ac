import type { GateFinding } from "#shared/domain/gate";
import type { GateDecision, GateHit } from "#shared/domain/gate-policy";
import { printable } from "#shared/domain/printable";
import type { Scan } from "#shared/domain/scan";

/**
 * The gate's Markdown summary: the decision, new / fixed / excepted counts, and a table of the
 * blocking findings with links (to the line in the CI platform's repository view when the CI
 * environment names it, to the CVE record otherwise). Report text is escaped for Markdown and
 * HTML so a finding title cannot inject markup into a CI summary page.
 */

export interface LinkContext {
  /** `https://github.com/org/repo/blob/<sha>/` or a GitLab `-/blob/<sha>/` base, when known. */
  sourceBase?: string;
  scanUrl?: string;
}

/** From the CI platform's variables: GitHub Actions, then GitLab CI. */
export function linkContextFromEnv(env: NodeJS.ProcessEnv, scanUrl?: string): LinkContext {
  const gh =
    env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_SHA
      ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/blob/${env.GITHUB_SHA}/`
      : undefined;
  const gl =
    env.CI_PROJECT_URL && env.CI_COMMIT_SHA
      ? `${env.CI_PROJECT_URL}/-/blob/${env.CI_COMMIT_SHA}/`
      : undefined;
  const sourceBase = gh ?? gl;
  return { ...(sourceBase ? { sourceBase } : {}), ...(scanUrl ? { scanUrl } : {}) };
}

export function cell(text: string): string {
  return printable(text, 200)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([\\`*_[\]|])/g, "\\$1");
}

function location(f: GateFinding, links: LinkContext): string {
  if (!f.file) return "";
  const where = `${f.file}${f.line ? `:${f.line}` : ""}`;
  const relative = !/^[a-z]+:\/\//i.test(f.file) && !f.file.startsWith("/");
  if (links.sourceBase && relative) {
    const href = `${links.sourceBase}${encodeURI(f.file)}${f.line ? `#L${f.line}` : ""}`;
    return `[${cell(where)}](${href})`;
  }
  return cell(where);
}

function findingCell(f: GateFinding): string {
  const cve = f.cve
    ? ` ([${cell(f.cve)}](https://nvd.nist.gov/vuln/detail/${encodeURIComponent(f.cve)}))`
    : "";
  return `${cell(f.title)}${cve}`;
}

function table(hits: GateHit[], links: LinkContext): string[] {
  const lines = ["| priority | severity | finding | where | rule | policy |", "|---|---|---|---|---|---|"];
  for (const { finding: f, rules } of hits) {
    lines.push(
      `| ${f.priority ?? "-"}${f.kev ? " KEV" : ""} | ${f.severity} | ${findingCell(f)} | ${location(f, links)} | ${cell(`${f.tool}: ${f.rule}`)} | ${cell(rules.join(", "))} |`,
    );
  }
  return lines;
}

const HEADLINE: Record<GateDecision["outcome"], string> = {
  block: "❌ aspm gate: blocked",
  warn: "⚠️ aspm gate: passed with warnings",
  pass: "✅ aspm gate: passed",
};

export function gateMarkdown(scan: Scan, decision: GateDecision, links: LinkContext): string[] {
  const gate = scan.gate;
  const lines = [`### ${HEADLINE[decision.outcome]}`, ""];
  lines.push(
    `**${scan.appId}**${scan.branch ? ` on \`${cell(scan.branch)}\`` : ""}: ${gate?.newFindings ?? 0} new, ${gate?.fixedFindings ?? 0} fixed, ${decision.excepted.length} excepted or triaged against the tracked baseline.`,
  );
  if (links.scanUrl) lines.push("", `Scan: [${scan.scanId}](${links.scanUrl})`);
  if (decision.blocking.length)
    lines.push("", `#### Blocking (${decision.blocking.length})`, "", ...table(decision.blocking, links));
  if (decision.warnings.length)
    lines.push("", `#### Warnings (${decision.warnings.length})`, "", ...table(decision.warnings, links));
  if (decision.excepted.length) {
    lines.push("", `#### Excepted (${decision.excepted.length})`, "");
    for (const f of decision.excepted)
      lines.push(
        `- ${findingCell(f)}: ${f.exception ? `exception ${cell(f.exception.id)} (${cell(f.exception.reason)})` : `closed as ${f.closedAs?.replace("_", " ")}`}`,
      );
  }
  if (decision.truncated) lines.push("", "_Only the riskiest 100 new findings are listed._");
  return lines;
}
