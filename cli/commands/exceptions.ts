import type { ExceptionScope } from "#shared/domain/exception";
import { CliError, type CliIo } from "../io.ts";
import { attachToLocalStack } from "./dev.ts";

export interface ExceptionOptions {
  finding?: string;
  cve?: string;
  rule?: string;
  app?: string;
  reason?: string;
  requester?: string;
  by?: string;
  note?: string;
  expires?: string;
  days?: string;
  state?: string;
  json?: boolean;
}

function expiry(options: ExceptionOptions, now: Date): string {
  if (options.expires) {
    const t = Date.parse(options.expires);
    if (Number.isNaN(t)) throw new CliError(`--expires ${options.expires} is not a date`, 2);
    return new Date(t).toISOString();
  }
  const days = Number(options.days ?? "30");
  if (!Number.isFinite(days) || days <= 0) throw new CliError("--days must be a positive number", 2);
  return new Date(now.getTime() + days * 86_400_000).toISOString();
}

function scopeOf(options: ExceptionOptions): { scope: ExceptionScope; appId?: string } {
  if (options.finding) {
    if (!options.app) throw new CliError("--finding needs --app (the finding's app)", 2);
    return { scope: { kind: "finding", findingId: options.finding }, appId: options.app };
  }
  if (options.cve) return { scope: { kind: "cve", cve: options.cve.toUpperCase() } };
  if (options.rule) {
    if (!options.app) throw new CliError("--rule needs --app", 2);
    return { scope: { kind: "rule", appId: options.app, ruleId: options.rule } };
  }
  throw new CliError(
    "say what the exception covers: --finding ID --app A, --cve CVE-…, or --rule RULE --app A",
    2,
  );
}

/** `aspm exceptions request|approve|reject|list` over the running local stack's data. */
export async function exceptionsCommand(
  io: CliIo,
  action: string | undefined,
  id: string | undefined,
  options: ExceptionOptions,
): Promise<void> {
  attachToLocalStack();
  const [{ documentClient }, uc, { ENV }] = await Promise.all([
    import("#shared/aws/dynamodb"),
    import("#shared/usecases/exceptions"),
    import("#shared/config"),
  ]);
  const deps = { db: { client: documentClient, tableName: process.env[ENV.tableName] ?? "" } };
  try {
    switch (action) {
      case "request": {
        if (!options.reason || !options.requester)
          throw new CliError("request needs --reason and --requester", 2);
        const { scope, appId } = scopeOf(options);
        const e = await uc.requestNewException(
          deps,
          {
            scope,
            reason: options.reason,
            requester: options.requester,
            expiresAt: expiry(options, new Date()),
          },
          appId,
        );
        io.out(
          options.json
            ? JSON.stringify(e)
            : `${e.id} requested by ${e.requester}, expires ${e.expiresAt.slice(0, 10)}: waiting for approval by someone else`,
        );
        return;
      }
      case "approve": {
        if (!id || !options.by)
          throw new CliError("usage: aspm exceptions approve ID --by WHO [--note TEXT]", 2);
        const { exception, findings } = await uc.approve(deps, id, options.by, options.note);
        io.out(
          options.json
            ? JSON.stringify(exception)
            : `${exception.id} ${exception.state}: ${findings} finding(s) now excepted until ${exception.expiresAt.slice(0, 10)}`,
        );
        return;
      }
      case "reject": {
        if (!id || !options.by)
          throw new CliError("usage: aspm exceptions reject ID --by WHO [--note TEXT]", 2);
        const e = await uc.reject(deps, id, options.by, options.note);
        io.out(options.json ? JSON.stringify(e) : `${e.id} rejected by ${e.decidedBy ?? options.by}`);
        return;
      }
      case "list": {
        const states = options.state
          ? (options.state.split(",") as Parameters<typeof uc.list>[1])
          : undefined;
        const all = await uc.list(deps, states);
        if (options.json) {
          io.out(
            JSON.stringify(all.map((s) => ({ ...s.exception, ...(s.appId ? { appId: s.appId } : {}) }))),
          );
          return;
        }
        for (const { exception: e, appId } of all) {
          const scope =
            e.scope.kind === "finding"
              ? `finding ${e.scope.findingId} (${appId})`
              : e.scope.kind === "cve"
                ? e.scope.cve
                : e.scope.kind === "findings"
                  ? `${e.scope.findingIds.length} findings in ${e.scope.appId}${e.scope.ticket ? ` (ticket ${e.scope.ticket})` : ""}`
                  : `rule ${e.scope.ruleId} in ${e.scope.appId}`;
          io.out(
            `${e.id} ${e.state.padEnd(9)} ${scope} — ${e.reason} (by ${e.requester}, expires ${e.expiresAt.slice(0, 10)})`,
          );
        }
        if (!all.length) io.out("no exceptions");
        return;
      }
      default:
        throw new CliError("usage: aspm exceptions request|approve|reject|list …", 2);
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    const name = error instanceof Error ? error.name : "";
    if (
      name === "ExceptionTransitionError" ||
      name === "ExceptionNotFoundError" ||
      name === "ExceptionConflictError"
    ) {
      throw new CliError((error as Error).message, 2);
    }
    throw error;
  }
}
