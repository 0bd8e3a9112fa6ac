import type { Context } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { TicketSyncDeps, TicketSyncResult } from "#shared/usecases/ticket-sync";

// the adapter under test; the use case is replaced by a fake that answers what each test needs
const sync = vi.hoisted(() => ({
  run: vi.fn<(deps: unknown, options: unknown) => Promise<TicketSyncResult>>(),
}));
vi.mock("#shared/usecases/ticket-sync", () => ({ syncTickets: sync.run }));
const { noSync } = await vi.importActual<typeof import("#shared/usecases/ticket-sync")>(
  "#shared/usecases/ticket-sync",
);

const context = { functionName: "ticket-sync", awsRequestId: "req-1" } as unknown as Context;
const deps = {} as TicketSyncDeps;
const result = (over: Partial<TicketSyncResult>): TicketSyncResult => ({ ...noSync("changed"), ...over });

/** The EMF documents the handler printed: what CloudWatch turns into metrics. */
function emittedMetrics(lines: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of lines) {
    if (!line.includes('"_aws"')) continue;
    const doc = JSON.parse(line) as Record<string, unknown> & {
      _aws: { CloudWatchMetrics: Array<{ Namespace: string; Metrics: Array<{ Name: string }> }> };
    };
    for (const group of doc._aws.CloudWatchMetrics) {
      expect(group.Namespace).toBe("aspm");
      for (const m of group.Metrics) out[m.Name] = Number(doc[m.Name]);
    }
    expect(doc.service).toBe("ticket-sync");
  }
  return out;
}

describe("ticket-sync handler", () => {
  let printed: string[];
  beforeEach(() => {
    vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "false");
    vi.stubEnv("POWERTOOLS_DEV", "");
    vi.resetModules();
    printed = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      printed.push(...String(chunk).split("\n").filter(Boolean));
      return true;
    });
    sync.run.mockReset();
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });
  const handler = async () => (await import("#functions/ticket-sync/handler")).makeHandler(() => deps);

  it("emits the failed-group count that the alarm watches, zero included", async () => {
    sync.run.mockResolvedValueOnce(
      result({ groups: 3, created: 1, failed: 2, firstError: "Jira answered 503" }),
    );
    await (await handler())({}, context);
    expect(emittedMetrics(printed)).toMatchObject({ ticket_groups_failed: 2, tickets_created: 1 });
    sync.run.mockResolvedValueOnce(result({}));
    printed.length = 0;
    await (await handler())({}, context);
    expect(emittedMetrics(printed)).toMatchObject({ ticket_groups_failed: 0 });
  });

  it("fails the invocation on rejected credentials (the errors alarm) and counts it", async () => {
    const run = await handler();
    // the class as the freshly loaded handler knows it
    const { TrackerAuthError } = await import("#shared/integrations/ticket-tracker");
    sync.run.mockRejectedValueOnce(new TrackerAuthError("Jira POST /rest/api/3/search/jql answered 401"));
    await expect(run({}, context)).rejects.toBeInstanceOf(TrackerAuthError);
    expect(emittedMetrics(printed)).toMatchObject({ tracker_auth_failures: 1 });
  });

  it("runs a full sync only when the event asks for it", async () => {
    sync.run.mockResolvedValue(result({}));
    await (await handler())({ source: "aws.scheduler", detail: {} }, context);
    await (await handler())({ detail: { full: true } }, context);
    expect(sync.run.mock.calls.map((c) => c[1])).toEqual([{ full: false }, { full: true }]);
  });
});
