import { ApiException, ExceptionDecision, ExceptionList } from "#shared/api-contract";
import { call } from "../api-client.ts";
import { apiTarget } from "../api-target.ts";
import { CliError, type CliIo } from "../io.ts";

export interface ExceptionOptions {
  api?: string;
  token?: string;
  finding?: string;
  cve?: string;
  rule?: string;
  app?: string;
  reason?: string;
  note?: string;
  expires?: string;
  days?: string;
  state?: string;
  json?: boolean;
}

function scopeOf(o: ExceptionOptions) {
  if (o.finding) return { kind: "finding", finding: o.finding };
  if (o.cve) return { kind: "cve", cve: o.cve };
  if (o.rule) {
    if (!o.app) throw new CliError("--rule needs --app", 2);
    return { kind: "rule", app: o.app, rule: o.rule };
  }
  throw new CliError(
    "say what the exception covers: --finding APP:ID, --cve CVE-…, or --rule RULE --app A",
    2,
  );
}

function expiry(o: ExceptionOptions): { expiresAt?: string; days?: number } {
  if (o.expires) {
    const t = Date.parse(o.expires);
    if (Number.isNaN(t)) throw new CliError(`--expires ${o.expires} is not a date`, 2);
    return { expiresAt: new Date(t).toISOString() };
  }
  if (o.days === undefined) return {};
  const days = Number(o.days);
  if (!Number.isInteger(days) || days <= 0) throw new CliError("--days must be a positive whole number", 2);
  return { days };
}

type Exception = typeof ApiException._output;

function describe(e: Exception): string {
  const scope =
    e.scope.kind === "finding"
      ? `finding ${e.appId ?? "?"}:${e.scope.findingId}`
      : e.scope.kind === "cve"
        ? e.scope.cve
        : e.scope.kind === "findings"
          ? `${e.scope.findingIds.length} findings in ${e.scope.appId}${e.scope.ticket ? ` (ticket ${e.scope.ticket})` : ""}`
          : `rule ${e.scope.ruleId} in ${e.scope.appId}`;
  return `${e.id} ${e.state.padEnd(9)} ${scope}: ${e.reason} (by ${e.requester}, expires ${e.expiresAt.slice(0, 10)})`;
}

/** `aspm exceptions request|approve|reject|list|show` over the HTTP API; who acts is the token's subject. */
export async function exceptionsCommand(
  io: CliIo,
  action: "request" | "approve" | "reject" | "list" | "show",
  id: string | undefined,
  o: ExceptionOptions,
): Promise<void> {
  const api = apiTarget(o);
  switch (action) {
    case "request": {
      if (!o.reason) throw new CliError("request needs --reason TEXT", 2);
      const e = await call(api, "POST", "/v1/exceptions", ApiException, {
        scope: scopeOf(o),
        reason: o.reason,
        ...expiry(o),
      });
      return io.out(o.json ? JSON.stringify(e) : `${describe(e)}: waiting for approval by someone else`);
    }
    case "approve":
    case "reject": {
      if (!id) throw new CliError(`usage: aspm exceptions ${action} ID [--note TEXT]`, 2);
      const path = `/v1/exceptions/${encodeURIComponent(id)}/${action}`;
      const body = o.note ? { note: o.note } : {};
      if (action === "approve") {
        const { exception, findings } = await call(api, "POST", path, ExceptionDecision, body);
        return io.out(
          o.json
            ? JSON.stringify(exception)
            : `${exception.id} ${exception.state}: ${findings} finding(s) excepted until ${exception.expiresAt.slice(0, 10)}`,
        );
      }
      const e = await call(api, "POST", path, ApiException, body);
      return io.out(o.json ? JSON.stringify(e) : `${e.id} rejected by ${e.decidedBy ?? "?"}`);
    }
    case "show": {
      if (!id) throw new CliError("usage: aspm exceptions show ID", 2);
      const e = await call(api, "GET", `/v1/exceptions/${encodeURIComponent(id)}`, ApiException);
      if (o.json) return io.out(JSON.stringify(e));
      io.out(describe(e));
      for (const h of e.history)
        io.out(`  ${h.at} ${h.actor}: ${h.from ?? "-"} → ${h.to}${h.note ? ` (${h.note})` : ""}`);
      return;
    }
    case "list": {
      const query = o.state ? `?state=${encodeURIComponent(o.state)}` : "";
      const { exceptions } = await call(api, "GET", `/v1/exceptions${query}`, ExceptionList);
      if (o.json) return io.out(JSON.stringify(exceptions));
      for (const e of exceptions) io.out(describe(e));
      if (!exceptions.length) io.out("no exceptions");
      return;
    }
  }
}
