import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, describe, expect, it } from "vitest";
import { uploadReport, waitForScan } from "#cli/api-client";
import type { LocalStack } from "#cli/local/stack";
import { ENV } from "#shared/config";
import { emptyAppState } from "#shared/domain/app-state";
import { planCorrelation } from "#shared/domain/correlate";
import { scopeIdOf } from "#shared/domain/scan";
import { parseReport } from "#shared/parsers/registry";
import { allFindingsOfApp } from "#shared/store/finding-store";
import { getScan } from "#shared/store/scan-store";
import type { TableRef } from "#shared/store/table-ref";

/**
 * Issue 8, done when: one local stack of its own (persistent, so it can restart) driven through a
 * crash mid-correlate, DynamoDB throttling, a poisoned report, a restart with messages in flight
 * and a DLQ replay. Then counted: every scan ended processed or failed, and every finding of the
 * crash-free reference (the same reports through the same correlation domain, in memory) is in
 * the table with the same status. Nothing here imports the SDK clients before the stack has set
 * their endpoints; the handlers' own clients are reached through their modules afterwards.
 */

const dir = mkdtempSync(join(tmpdir(), "aspm-faults-"));
let stack: LocalStack | undefined;
afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function sarif(app: string, ids: number[], tool = "Semgrep"): string {
  return JSON.stringify({
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: tool, rules: [{ id: "sql-injection", properties: { tags: ["CWE-89"] } }] } },
        results: ids.map((n) => ({
          ruleId: "sql-injection",
          level: "error",
          message: { text: `user input reaches a query (${n})` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: `${app}/src/module-${n % 17}/file-${n}.ts` },
                region: { startLine: 10 + (n % 40) },
              },
            },
          ],
          partialFingerprints: { primaryLocationLineHash: `${app}-${n}` },
        })),
      },
    ],
  });
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

interface Upload {
  app: string;
  file: string;
  body: string;
  scanId?: string;
  reference: boolean;
}

function report(app: string, name: string, body: string, reference = true): Upload {
  const file = join(dir, `${app}-${name}.sarif`);
  writeFileSync(file, body);
  return { app, file, body, reference };
}

/** Expected open and resolved finding ids per app: the uploads of each app, in order, correlated in memory. */
function referenceOf(uploads: readonly Upload[]): Map<string, Map<string, string>> {
  const byApp = new Map<string, Map<string, string>>();
  const states = new Map<string, ReturnType<typeof emptyAppState>>();
  uploads.forEach((u, i) => {
    if (!u.reference) return;
    const report = parseReport(Buffer.from(u.body), { secretSalt: "x" });
    const plan = planCorrelation(
      states.get(u.app) ?? emptyAppState(u.app),
      {
        appId: u.app,
        scanId: `ref-${i}`,
        scopeId: scopeIdOf({
          appId: u.app,
          toolName: report.tool.name,
          format: report.format,
          artifact: report.artifact,
          target: "default",
          branch: "main",
        }),
        tool: report.tool,
        target: "default",
        branch: "main",
        tracked: true,
        at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      },
      report.findings,
    );
    states.set(u.app, plan.next);
    byApp.set(
      u.app,
      new Map(Object.entries(plan.next.findings).map(([id, f]) => [id, f.st === "o" ? "open" : "resolved"])),
    );
  });
  return byApp;
}

describe("faults on a local stack, counted", { timeout: 600_000 }, () => {
  it("ends every scan processed or failed and keeps every finding of the crash-free reference", async () => {
    const { startLocalStack } = await import("#cli/local/stack");
    const start = (ports?: LocalStack["ports"]) =>
      startLocalStack({
        dataDir: dir,
        apiToken: "fault-token",
        visibilityTimeoutSeconds: 2,
        ...(ports ? { ports } : {}),
      });
    stack = await start();
    const api = () => ({ url: stack?.apiUrl ?? "", token: "fault-token" });
    const db: TableRef = {
      client: DynamoDBDocumentClient.from(
        new DynamoDBClient({ endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB, region: stack.env.AWS_REGION }),
        { marshallOptions: { removeUndefinedValues: true } },
      ),
      tableName: stack.env[ENV.tableName] ?? "",
    };

    // the pipeline's own DynamoDB client, with faults injected in front of the real calls
    const { documentClient } = await import("#shared/aws/dynamodb");
    const { mockClient } = await import("aws-sdk-client-mock");
    const realSend = documentClient.send.bind(documentClient);
    let fault: (command: { constructor: { name: string }; input: unknown }) => unknown = () => undefined;
    const stub = mockClient(documentClient);
    stub.send.callsFake(
      async (command: Parameters<typeof realSend>[0]) =>
        ((await fault(command as never)) as never) ?? realSend(command),
    );

    const uploads: Upload[] = [];
    const upload = async (u: Upload) => {
      u.scanId = await uploadReport(api(), u.file, { app: u.app, branch: "main" });
      uploads.push(u);
      return u;
    };
    const wait = (u: Upload, timeoutMs = 120_000) =>
      waitForScan(api(), u.scanId ?? "", () => undefined, timeoutMs);

    // 1. a crash mid-correlate: from its 4th bulk write on, this first ingest dies, on every attempt
    let bulkWrites = 0;
    fault = (command) => {
      if (command.constructor.name === "BatchWriteCommand" && ++bulkWrites >= 4)
        throw Object.assign(new Error("connection reset mid-write"), { name: "NetworkingError" });
      return undefined;
    };
    const crashed = await upload(report("fault-a", "1", sarif("fault-a", range(0, 600))));
    const given = await wait(crashed);
    // the last attempt gave the scan up, retryable, and its message went to the DLQ
    expect(given.status).toBe("failed");
    expect(given.failure).toMatchObject({ stage: "correlate", retryable: true });
    expect(given.failure?.reason).toContain("NetworkingError");

    // 2. throttling while the app's next scan (which must first finish the crashed one) runs: every
    // third batch write comes back unprocessed, and a burst of updates is refused outright (as after
    // the SDK's own retries), failing whichever attempts meet it
    let calls = 0;
    let throttledUpdates = 0;
    fault = (command) => {
      calls++;
      if (command.constructor.name === "BatchWriteCommand" && calls % 3 === 0) {
        const input = command.input as { RequestItems: Record<string, unknown[]> };
        return Promise.resolve({ UnprocessedItems: input.RequestItems, ConsumedCapacity: [] });
      }
      if (command.constructor.name === "UpdateCommand" && throttledUpdates < 2) {
        throttledUpdates++;
        throw Object.assign(new Error("Rate of requests exceeds the allowed throughput."), {
          name: "ProvisionedThroughputExceededException",
        });
      }
      return undefined;
    };
    const next = await upload(
      report("fault-a", "2", sarif("fault-a", [...range(50, 600), ...range(1000, 1040)])),
    );
    // 3. a poisoned report beside good ones
    const poisoned = await upload(report("fault-b", "bad", '{"version":"2.1.0","runs":"not runs"}', false));
    const b1 = await upload(report("fault-b", "1", sarif("fault-b", range(0, 200), "CodeQL")));
    for (const u of [next, poisoned, b1]) await wait(u);
    fault = () => undefined;

    // 4. a DLQ replay: the crashed scan's message is there, but the next scan already finished it
    const { replayDeadLetters } = await import("#shared/usecases/dead-letters");
    const { sqs } = await import("#shared/aws/sqs");
    const queues = {
      normalize: { url: stack.queues.normalize, dlqUrl: stack.queues.normalizeDlq },
      correlate: { url: stack.queues.correlate, dlqUrl: stack.queues.correlateDlq },
    };
    const replayed = await replayDeadLetters({ db, sqs, queues }, "correlate");
    expect(replayed.map((r) => [r.scanId, r.outcome, r.why])).toContainEqual([
      crashed.scanId,
      "dropped",
      "already processed",
    ]);
    expect(await replayDeadLetters({ db, sqs, queues }, "correlate")).toEqual([]);
    // 5. a restart with messages in flight (local-aws-sqs keeps none across it): upload, and stop before the pipeline is through
    const inFlight = [
      await upload(report("fault-c", "1", sarif("fault-c", range(0, 300)))),
      await upload(report("fault-b", "2", sarif("fault-b", range(100, 260), "CodeQL"))),
      await upload(report("fault-d", "1", sarif("fault-d", range(0, 150)))),
    ];
    const ports = stack.ports;
    const before = await Promise.all(inFlight.map((u) => getScan(db, u.scanId ?? "")));
    await stack.stop();
    expect(before.some((s) => s?.status !== "processed")).toBe(true);
    stack = await start(ports);
    for (const u of inFlight) expect((await wait(u)).status).toBe("processed");

    stub.restore();

    // counted: every scan ended, the poisoned one failed with its reason, the rest processed
    const ended = await Promise.all(uploads.map((u) => getScan(db, u.scanId ?? "")));
    expect(ended.map((s) => s?.status)).toEqual(
      uploads.map((u) => (u === poisoned ? "failed" : "processed")),
    );
    expect(ended[uploads.indexOf(poisoned)]?.failure?.reason).toMatch(/sarif/i);

    // and every finding of the reference is there, with its status
    const reference = referenceOf(uploads);
    let counted = 0;
    for (const [app, expected] of reference) {
      const stored = new Map<string, string>();
      for await (const f of allFindingsOfApp(db, app)) stored.set(f.findingId, f.status);
      expect(stored.size, app).toBe(expected.size);
      for (const [id, status] of expected) expect(stored.get(id), `${app} ${id}`).toBe(status);
      counted += expected.size;
    }
    // fault-a: 640, fault-b: 260, fault-c: 300, fault-d: 150
    expect(counted).toBe(1350);
  });
});
