import type { z } from "zod";
import { type ApiFinding, FindingDetail, FindingPage } from "#shared/api-contract";
import { call } from "../api-client.ts";
import { apiTarget } from "../api-target.ts";
import { CliError, type CliIo } from "../io.ts";

type Finding = z.infer<typeof ApiFinding>;

export interface FindingsOptions {
  api?: string;
  token?: string;
  json?: boolean;
  all?: boolean;
  limit?: string;
  /** Query filters, passed to the API as they are (it validates them). */
  filters: Record<string, string | undefined>;
}

function line(f: Finding): string {
  const where = f.location.file
    ? `${f.location.file}${f.location.startLine ? `:${f.location.startLine}` : ""}`
    : (f.location.url ?? f.package?.name ?? "");
  const marks = [
    f.exception ? `excepted ${f.exception.id}` : "",
    f.triage?.status && f.triage.status !== "confirmed" ? f.triage.status.replace("_", " ") : "",
  ].filter(Boolean);
  return `${(f.score?.priority ?? "-").padEnd(2)} ${f.severity.padEnd(8)} ${f.status.padEnd(8)} ${f.ref}  ${f.title}${where ? `  (${where})` : ""}${marks.length ? `  [${marks.join(", ")}]` : ""}`;
}

/** `aspm findings [REF] [filters]`: a query, or one finding with sources, score factors and history. */
export async function findingsCommand(
  io: CliIo,
  ref: string | undefined,
  options: FindingsOptions,
): Promise<void> {
  const api = apiTarget(options);
  if (ref) {
    const f = await call(api, "GET", `/v1/findings/${encodeURIComponent(ref)}`, FindingDetail);
    if (options.json) return io.out(JSON.stringify(f));
    io.out(line(f));
    io.out(
      `  team ${f.team}; first seen ${f.firstSeenAt}${f.resolvedAt ? `; resolved ${f.resolvedAt}` : ""}`,
    );
    if (f.score) {
      io.out(
        `  risk ${f.score.risk} (${f.score.decision}, ${f.score.priority}), due ${f.score.dueAt.slice(0, 10)}`,
      );
      for (const factor of f.score.factors)
        io.out(`    ${factor.effect >= 0 ? "+" : ""}${factor.effect} ${factor.name}: ${factor.value}`);
    }
    for (const s of Object.values(f.sources))
      io.out(
        `  source ${s.tool} ${s.ruleId}${s.open ? "" : " (closed)"} since ${s.firstSeenAt.slice(0, 10)}`,
      );
    for (const h of f.history)
      io.out(`  ${h.at} ${h.actor} ${h.action}${h.to ? ` → ${h.to}` : ""}${h.reason ? `: ${h.reason}` : ""}`);
    return;
  }
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(options.filters)) if (v !== undefined) params.set(k, v);
  if (options.limit) params.set("limit", options.limit);
  const all: Finding[] = [];
  let cursor: string | undefined;
  do {
    if (cursor) params.set("cursor", cursor);
    const query = params.size ? `?${params}` : "";
    const page = await call(api, "GET", `/v1/findings${query}`, FindingPage);
    all.push(...page.findings);
    cursor = options.all ? page.cursor : undefined;
    if (!options.all && page.cursor) io.err(`more findings: --all to fetch every page`);
  } while (cursor);
  if (options.json) return io.out(JSON.stringify(all));
  for (const f of all) io.out(line(f));
  io.out(`${all.length} finding(s)`);
}

export interface TriageOptions {
  api?: string;
  token?: string;
  falsePositive?: boolean;
  mitigated?: boolean;
  reopen?: boolean;
  owner?: string;
  reason?: string;
  json?: boolean;
}

/** `aspm triage REF (--false-positive | --mitigated | --reopen) [--owner TEAM] --reason TEXT`. */
export async function triageCommand(io: CliIo, ref: string, options: TriageOptions): Promise<void> {
  const statuses = [
    options.falsePositive ? "false_positive" : undefined,
    options.mitigated ? "mitigated" : undefined,
    options.reopen ? "open" : undefined,
  ].filter((s) => s !== undefined);
  if (statuses.length > 1) throw new CliError("give one of --false-positive, --mitigated, --reopen", 2);
  if (!statuses.length && !options.owner)
    throw new CliError("say what changes: --false-positive, --mitigated, --reopen or --owner TEAM", 2);
  if (!options.reason) throw new CliError("triage needs --reason TEXT (it goes to the audit trail)", 2);
  const f = await call(api(options), "PATCH", `/v1/findings/${encodeURIComponent(ref)}`, FindingDetail, {
    ...(statuses[0] ? { status: statuses[0] } : {}),
    ...(options.owner ? { owner: options.owner } : {}),
    reason: options.reason,
  });
  if (options.json) return io.out(JSON.stringify(f));
  io.out(line(f));
  const last = f.history.at(-1);
  if (last)
    io.out(
      `  ${last.at} ${last.actor} ${last.action}${last.to ? ` → ${last.to}` : ""}: ${last.reason ?? ""}`,
    );
}

function api(options: { api?: string; token?: string }) {
  return apiTarget(options);
}
