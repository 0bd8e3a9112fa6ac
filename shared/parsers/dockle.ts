import { z } from "zod";
import type { NormalizedFinding, Severity } from "#shared/domain/finding";
import { isRecord, type ReportDocument } from "./document.ts";
import { makeFinding } from "./finding-builder.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { ParseError } from "./parse-error.ts";
import { parseShape } from "./shape.ts";

/**
 * Dockle container image linter (`dockle -f json <image>`): `{image, summary: {fatal, warn, info,
 * skip, pass}, details: [{code, title, level, alerts}]}`. One finding per `details[]` entry, category
 * `iac` at the image (it checks the image's configuration against CIS Docker benchmarks, not its
 * packages). FATAL → high, WARN → medium, INFO → low; PASS and SKIP are not findings; IGNORE
 * (`--ignore`) is kept and suppressed.
 */

const FORMAT = "dockle-json";
const TOOL = { name: "Dockle" };

const LEVEL: Record<string, Severity> = { FATAL: "high", WARN: "medium", INFO: "low", IGNORE: "info" };
const NOT_FINDINGS = new Set(["PASS", "SKIP"]);
// the credential check quotes the ENV line it suspects; its value never stays
const CREDENTIAL_CHECK = "CIS-DI-0010";
const ASSIGNED_VALUE = /=\S+/g;

const Report = z.object({
  image: z.string().nullish(),
  details: z
    .array(
      z.object({
        code: z.string(),
        title: z.string().nullish(),
        level: z.string(),
        alerts: z.array(z.string()).nullish(),
      }),
    )
    .nullish(),
});

function detect(doc: ReportDocument): boolean {
  if (doc.syntax !== "json" || !isRecord(doc.value)) return false;
  const { summary, details } = doc.value;
  return (
    isRecord(summary) &&
    "fatal" in summary &&
    "warn" in summary &&
    (Array.isArray(details) || details === null)
  );
}

export const dockleJson: ReportFormat = {
  id: FORMAT,
  tools: "Dockle (`dockle -f json`), container image linter (CIS Docker benchmark)",
  description: "Dockle JSON: one finding per failed image check",
  detect,
  parse(doc: ReportDocument): ParsedReport {
    if (doc.syntax !== "json") throw new ParseError("not a JSON document", FORMAT);
    const report = parseShape(Report, doc.value, FORMAT);
    const findings: NormalizedFinding[] = [];
    (report.details ?? []).forEach((d, i) => {
      const level = d.level.toUpperCase();
      if (NOT_FINDINGS.has(level)) return;
      const severity = LEVEL[level];
      if (!severity) throw new ParseError(`unknown level "${d.level}"`, FORMAT, `details[${i}].level`);
      const alerts = (d.alerts ?? []).map((a) =>
        d.code === CREDENTIAL_CHECK ? a.replace(ASSIGNED_VALUE, "=****") : a,
      );
      findings.push(
        makeFinding({
          category: "iac",
          tool: TOOL,
          rule: { id: d.code, name: d.title ?? undefined },
          title: d.title ?? d.code,
          description: alerts.join("\n") || undefined,
          severity,
          rawSeverity: d.level,
          location: { image: report.image ?? undefined },
          references: [
            `https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#${d.code.toLowerCase()}`,
          ],
          suppressed: level === "IGNORE" ? { kind: "ignored" } : undefined,
        }),
      );
    });
    return { tool: TOOL, findings };
  },
};
