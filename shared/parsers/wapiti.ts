import { z } from "zod";
import type { NormalizedFinding, Severity } from "#shared/domain/finding";
import { isRecord, type ReportDocument } from "./document.ts";
import { makeFinding } from "./finding-builder.ts";
import type { ParsedReport, ReportFormat } from "./format.ts";
import { ParseError } from "./parse-error.ts";
import { parseShape } from "./shape.ts";

/**
 * Wapiti web scanner (`wapiti -f json`): `{classifications, vulnerabilities, anomalies, additionals,
 * infos}`, the findings keyed by category name (`"SQL Injection": [...]`). One finding per entry
 * of `vulnerabilities` and `anomalies` (server errors and timeouts met while attacking);
 * `additionals` (fingerprinted technologies) are inventory, not findings. The HTTP request and
 * curl command are never kept (they carry cookies and credentials).
 *
 * Levels: Wapiti 3.1+ grades 4 critical, 3 high, 2 medium, 1 low, 0 info. Wapiti 3.0 graded the
 * other way round (1 high, 2 medium, 3 low); its reports say `Wapiti 3.0.x` in `infos.version`.
 */

const FORMAT = "wapiti-json";
const Str = z.string().nullish();

const Entry = z.object({
  method: Str,
  path: Str,
  info: Str,
  level: z.union([z.number(), z.string()]),
  parameter: Str,
  module: Str,
  wstg: z.union([z.string(), z.array(z.string())]).nullish(),
});
type Entry = z.infer<typeof Entry>;

const Classification = z.object({
  desc: Str,
  sol: Str,
  ref: z.record(z.string(), z.string()).nullish(),
  wstg: z.array(z.string()).nullish(),
});

const Report = z.object({
  classifications: z.record(z.string(), z.unknown()).nullish(),
  vulnerabilities: z.record(z.string(), z.array(z.unknown()).nullish()),
  anomalies: z.record(z.string(), z.array(z.unknown()).nullish()).nullish(),
  infos: z.object({ target: Str, version: Str }).nullish(),
});

const LEVEL: Record<number, Severity> = { 4: "critical", 3: "high", 2: "medium", 1: "low", 0: "info" };
const LEGACY_LEVEL: Record<number, Severity> = { 1: "high", 2: "medium", 3: "low" };
const VERSION = /(\d+)\.(\d+)(?:\.\d+)?/;

/** Wapiti before 3.1 numbered its levels from 1 = high. */
function isLegacy(version: RegExpExecArray | null): boolean {
  if (!version) return false;
  const major = Number(version[1]);
  return major < 3 || (major === 3 && Number(version[2]) === 0);
}

function urlOf(target: string | undefined, path: string | undefined | null): string | undefined {
  if (!path) return target;
  if (/^https?:\/\//i.test(path)) return path;
  if (!target) return path;
  try {
    return new URL(path, target).href;
  } catch {
    return `${target.replace(/\/+$/, "")}${path}`;
  }
}

export const wapitiJson: ReportFormat = {
  id: FORMAT,
  tools: "Wapiti 3.x (`wapiti -f json`)",
  description: "Wapiti JSON: one finding per vulnerability and anomaly",
  detect(doc: ReportDocument): boolean {
    if (doc.syntax !== "json" || !isRecord(doc.value)) return false;
    const v = doc.value;
    return isRecord(v.classifications) && isRecord(v.vulnerabilities) && isRecord(v.infos);
  },
  parse(doc: ReportDocument): ParsedReport {
    if (doc.syntax !== "json") throw new ParseError("not a JSON document", FORMAT);
    const report = parseShape(Report, doc.value, FORMAT);
    const versionText = report.infos?.version ?? "";
    const parsed = VERSION.exec(versionText);
    const legacy = isLegacy(parsed);
    const version = parsed?.[0];
    const tool = version ? { name: "Wapiti", version } : { name: "Wapiti" };
    const target = report.infos?.target ?? undefined;
    const findings: NormalizedFinding[] = [];
    for (const [group, byCategory] of [
      ["vulnerabilities", report.vulnerabilities],
      ["anomalies", report.anomalies ?? {}],
    ] as const) {
      for (const [category, entries] of Object.entries(byCategory)) {
        const rawClass = report.classifications?.[category];
        const cls =
          rawClass === undefined
            ? undefined
            : parseShape(Classification, rawClass, FORMAT, `classifications["${category}"]`);
        (entries ?? []).forEach((raw, i) => {
          const where = `${group}["${category}"][${i}]`;
          const e: Entry = parseShape(Entry, raw, FORMAT, where);
          const level = Number(e.level);
          const severity = (legacy ? LEGACY_LEVEL : LEVEL)[level];
          if (!severity)
            throw new ParseError(`unknown level ${JSON.stringify(e.level)}`, FORMAT, `${where}.level`);
          const wstg = Array.isArray(e.wstg) ? e.wstg : e.wstg ? [e.wstg] : (cls?.wstg ?? []);
          findings.push(
            makeFinding({
              category: "dast",
              tool,
              rule: { id: category },
              title: category,
              description: [e.info, cls?.desc].filter(Boolean).join("\n\n") || undefined,
              severity,
              rawSeverity: `level=${e.level}`,
              location: {
                url: urlOf(target, e.path),
                method: e.method ?? undefined,
                parameter: e.parameter || undefined,
              },
              remediation: cls?.sol ?? undefined,
              references: Object.values(cls?.ref ?? {}),
              tags: [
                ...wstg,
                e.module ? `module:${e.module}` : undefined,
                group === "anomalies" ? "anomaly" : undefined,
              ],
            }),
          );
        });
      }
    }
    return { tool, findings };
  },
};
