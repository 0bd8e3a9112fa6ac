import { readFileSync } from "node:fs";
import { maxFindings, maxUploadBytes } from "#shared/config";
import type { NormalizedReport } from "#shared/domain/finding";
import { ParseError } from "#shared/parsers/parse-error";
import { FORMATS, parseReport } from "#shared/parsers/registry";
import { CliError, type CliIo } from "../io.ts";

export function secretSalt(): string {
  return process.env.ASPM_SECRET_SALT ?? "aspm-cli";
}

/** Reads and parses one report file; unreadable or unsupported input is a CliError (exit 2). */
export function readReport(file: string, format?: string): { report: NormalizedReport; ms: number } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`, 2);
  }
  const started = performance.now();
  try {
    // the pipeline's bounds, so a report `aspm parse` reads is one normalize accepts
    const limits = { maxBytes: maxUploadBytes(), maxFindings: maxFindings() };
    const report = parseReport(bytes, { secretSalt: secretSalt(), limits }, format);
    return { report, ms: performance.now() - started };
  } catch (error) {
    if (error instanceof ParseError) throw new CliError(`${file}: ${error.message}`, 2);
    throw error;
  }
}

function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

export function parseCommand(io: CliIo, file: string, options: { format?: string; json?: boolean }): void {
  const { report, ms } = readReport(file, options.format);
  if (options.json) {
    io.out(
      JSON.stringify({
        format: report.format,
        tool: report.tool,
        count: report.count,
        findings: report.findings,
      }),
    );
    return;
  }
  const bySeverity = countBy(report.findings, (f) => f.severity);
  const byCategory = countBy(report.findings, (f) => f.category);
  io.out(`format:   ${report.format}`);
  io.out(`tool:     ${report.tool.name}${report.tool.version ? ` ${report.tool.version}` : ""}`);
  io.out(`findings: ${report.count}`);
  io.out(
    `category: ${
      Object.entries(byCategory)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ") || "-"
    }`,
  );
  io.out(
    `severity: ${["critical", "high", "medium", "low", "info"].map((s) => `${s} ${bySeverity[s] ?? 0}`).join(", ")}`,
  );
  const suppressed = report.findings.filter((f) => f.suppressed).length;
  if (suppressed) io.out(`suppressed by the tool: ${suppressed}`);
  io.out(`time:     ${ms.toFixed(1)} ms`);
}

export function formatsCommand(io: CliIo): void {
  const width = Math.max(...FORMATS.map((f) => f.id.length));
  for (const f of FORMATS) io.out(`${f.id.padEnd(width)}  ${f.description} (${f.tools})`);
}
