import { appendFileSync, readFileSync, statSync } from "node:fs";
import { CODEOWNERS_MAX_BYTES } from "#shared/domain/codeowners";
import {
  evaluateGate,
  type GateDecision,
  PolicyError,
  parsePolicy,
  rulesFor,
} from "#shared/domain/gate-policy";
import { printable } from "#shared/domain/printable";
import type { Scan } from "#shared/domain/scan";
import { type ApiTarget, getScanStatus, type UploadOptions, uploadScan, waitForScan } from "../api-client.ts";
import { apiTarget } from "../api-target.ts";
import { gateMarkdown, linkContextFromEnv } from "../gate-summary.ts";
import { CliError, type CliIo } from "../io.ts";
import { readReport } from "./parse.ts";

/** Files up to this size are parsed here before upload, so a bad report never becomes a scan. */
const VALIDATE_LOCALLY_BYTES = 64 * 1024 * 1024;
/** Show a progress bar for uploads from this size on (on a terminal). */
const PROGRESS_FROM_BYTES = 1024 * 1024;

export const GATE_BLOCKED_EXIT = 3;

/** Exists, is a non-empty file, and (when small enough to be cheap) parses: otherwise exit 2 naming the file. */
export function validateReportFile(
  file: string,
  format?: string,
): { bytes: number; detected?: string; count?: number } {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new CliError(`${file} is not a file`, 2);
    size = st.size;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      2,
    );
  }
  if (size === 0) throw new CliError(`${file} is empty`, 2);
  if (size > VALIDATE_LOCALLY_BYTES) return { bytes: size };
  const { report } = readReport(file, format);
  return { bytes: size, detected: report.format, count: report.count };
}

function bar(sent: number, total: number): string {
  const width = 30;
  const done = Math.round((sent / Math.max(1, total)) * width);
  return `  uploading [${"#".repeat(done)}${"-".repeat(width - done)}] ${((sent / Math.max(1, total)) * 100).toFixed(0).padStart(3)}% ${(sent / 1048576).toFixed(1)}/${(total / 1048576).toFixed(1)} MiB`;
}

const STAGE: Record<Scan["status"], string> = {
  pending: "uploaded, waiting for normalize (parse and validate)",
  normalized: "normalized, correlating and scoring",
  processed: "processed",
  failed: "failed",
};

function stageLine(s: Scan): string {
  return `  stage: ${STAGE[s.status]}${s.format ? ` (${s.format}, ${s.tool?.name ?? "?"})` : ""}`;
}

function failureLine(scan: Scan): string {
  return `scan ${scan.scanId} failed${scan.failure ? ` in ${scan.failure.stage}: ${scan.failure.reason}` : ""}`;
}

function countsLine(scan: Scan): string | undefined {
  const c = scan.counts;
  return c
    ? `  ${c.observations} observations → ${c.unique} unique: ${c.new} new, ${c.updated} updated, ${c.unchanged} unchanged, ${c.resolved} resolved, ${c.reopened} reopened`
    : undefined;
}

/**
 * A scan that resolved more than half of what its scope held is more often a scan that saw less
 * (a wrong path, a failed step, another kind of report) than a fix of half the app: say so.
 */
export function sweepWarning(scan: Pick<Scan, "counts" | "artifact">): string | undefined {
  const c = scan.counts;
  if (!c?.scopeBefore || c.resolved * 2 <= c.scopeBefore) return undefined;
  return `  warning: this scan resolved ${c.resolved} of the ${c.scopeBefore} findings its scope held${scan.artifact ? ` (${scan.artifact})` : ""}; check that it scanned the same thing as the last one`;
}

function loadPolicy(file: string | undefined): ReturnType<typeof parsePolicy> | undefined {
  const path = file ?? "aspm-policy.yaml";
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (!file && (error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new CliError(
      `cannot read the policy ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      2,
    );
  }
  try {
    return parsePolicy(text);
  } catch (error) {
    if (error instanceof PolicyError) throw new CliError(`${path}: ${error.message}`, 2);
    throw error;
  }
}

export function decideGate(
  scan: Scan,
  policyFile: string | undefined,
  now = new Date(),
): GateDecision | undefined {
  if (!scan.gate) return undefined;
  return evaluateGate(scan.gate, rulesFor(loadPolicy(policyFile), scan.appId), now);
}

/** Prints the gate summary, writes it to $GITHUB_STEP_SUMMARY, and fails with exit 3 when it blocks. */
function reportGate(io: CliIo, api: ApiTarget, scan: Scan, policyFile: string | undefined): void {
  const decision = decideGate(scan, policyFile);
  if (!decision) {
    io.out(`gate: not applicable (${scan.branch ?? "main"} is a tracked branch; its scan updates posture)`);
    return;
  }
  const links = linkContextFromEnv(process.env, `${api.url.replace(/\/+$/, "")}/v1/scans/${scan.scanId}`);
  const markdown = gateMarkdown(scan, decision, links);
  io.out("");
  for (const line of markdown) io.out(line);
  const summaryFile = process.env.GITHUB_STEP_SUMMARY;
  if (summaryFile) {
    try {
      appendFileSync(summaryFile, `${markdown.join("\n")}\n`);
    } catch (error) {
      io.err(`cannot write the step summary ${summaryFile}: ${(error as Error).message}`);
    }
  }
  if (decision.outcome === "block")
    throw new CliError(
      `gate blocked: ${decision.blocking.length} new finding(s) break the policy`,
      GATE_BLOCKED_EXIT,
    );
}

export interface UploadCommandOptions extends UploadOptions {
  api?: string;
  token?: string;
  wait?: boolean;
  gate?: boolean;
  policy?: string;
  /** A CODEOWNERS file to send along. */
  codeownersFile?: string;
}

/** Reads a CODEOWNERS file for upload; a missing or oversized file is a usage error (exit 2). */
function readCodeowners(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    throw new CliError(`cannot read CODEOWNERS file ${file}`, 2);
  }
  if (bytes.byteLength > CODEOWNERS_MAX_BYTES)
    throw new CliError(`${file} is over GitHub's 3 MB CODEOWNERS limit`, 2);
  return bytes.toString("utf8");
}

/** `aspm upload FILE --app A [--wait] [--gate]`: validate, presigned upload, then poll and gate. */
export async function uploadCommand(io: CliIo, file: string, options: UploadCommandOptions): Promise<void> {
  const checked = validateReportFile(file, options.format);
  if (options.gate) loadPolicy(options.policy);
  const api = apiTarget(options);
  const { api: _a, token: _t, wait, gate, policy, codeownersFile, ...upload } = options;
  const codeowners = codeownersFile ? readCodeowners(codeownersFile) : undefined;
  const showProgress = io.progress && checked.bytes >= PROGRESS_FROM_BYTES ? io.progress : undefined;
  const { scanId, codeowners: understood } = await uploadScan(
    api,
    file,
    { ...upload, ...(codeowners ? { codeowners } : {}) },
    showProgress ? (sent, total) => showProgress(bar(sent, total)) : undefined,
  );
  if (showProgress) io.err("");
  io.out(
    `uploaded ${file} as scan ${scanId}${checked.detected ? ` (${checked.detected}, ${checked.count} findings)` : ""}`,
  );
  if (understood) {
    io.out(
      `  CODEOWNERS: ${understood.rules} rules${understood.errors.length ? `, ${understood.errors.length} lines skipped` : ""}`,
    );
    for (const e of understood.errors.slice(0, 10))
      io.err(`  ${codeownersFile}:${e.line}: ${printable(e.reason)}`);
  }
  if (!wait && !gate) return;
  const started = Date.now();
  const scan = await waitForScan(
    api,
    scanId,
    (s) => io.out(stageLine(s)),
    15 * 60_000,
    io.progress ? (s, ms) => io.progress?.(`  ${s.status}… ${(ms / 1000).toFixed(0)}s`) : undefined,
  );
  if (io.progress) io.progress("");
  if (scan.status === "failed") throw new CliError(failureLine(scan), 1);
  const counts = countsLine(scan);
  if (counts) io.out(counts);
  const sweep = sweepWarning(scan);
  if (sweep) io.out(sweep);
  io.out(`  done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  if (gate) reportGate(io, api, scan, policy);
}

/** `aspm status SCAN_ID`: a human summary (counts, gate, reason); `--json` prints the scan document. */
export async function statusCommand(
  io: CliIo,
  scanId: string,
  options: { api?: string; token?: string; json?: boolean; policy?: string },
): Promise<void> {
  const scan = await getScanStatus(apiTarget(options), scanId);
  if (options.json) {
    io.out(JSON.stringify(scan));
    return;
  }
  io.out(`scan ${scan.scanId} of ${scan.appId} on ${scan.branch ?? "main"}: ${scan.status}`);
  if (scan.format)
    io.out(
      `  report: ${scan.format} from ${scan.tool?.name ?? "?"}${scan.tool?.version ? ` ${scan.tool.version}` : ""}${scan.artifact ? ` of ${scan.artifact}` : ""}`,
    );
  if (scan.failure) io.out(`  reason: failed in ${scan.failure.stage}: ${scan.failure.reason}`);
  const counts = countsLine(scan);
  if (counts) io.out(counts);
  const sweep = sweepWarning(scan);
  if (sweep) io.out(sweep);
  const decision = decideGate(scan, options.policy);
  if (scan.gate && decision) {
    io.out(
      `  gate: ${decision.outcome} (${scan.gate.newFindings} new, ${scan.gate.fixedFindings} fixed, ${decision.excepted.length} excepted; ${decision.blocking.length} blocking, ${decision.warnings.length} warning)`,
    );
    for (const { finding: f, rules } of decision.blocking.slice(0, 10))
      io.out(
        `    ${f.priority ?? "-"} ${f.severity.padEnd(8)} ${f.title}${f.file ? ` (${f.file}${f.line ? `:${f.line}` : ""})` : ""} [${rules.join(", ")}]`,
      );
  } else if (scan.status === "processed") {
    io.out(`  gate: not applicable (tracked branch; lifecycle ${scan.lifecycle ?? "applied"})`);
  }
}
