import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { getScanStatus, uploadReport, waitForScan } from "#cli/api-client";
import { localContext } from "#cli/local/queue-poller";
import { s3 } from "#shared/aws/s3";
import { sqs } from "#shared/aws/sqs";
import { headObjectSize } from "#shared/store/blob-store";
import { objectKeys } from "#shared/store/table";
import { REPO_ROOT } from "#test/support/corpus";
import { bucketRef, stackEnv } from "#test/support/stack-deps";

/** The whole slice through the real pipeline: API → presigned POST → S3 → bus → SQS → normalize → correlate → jobs. */

const SAMPLES = join(REPO_ROOT, "cli/demo/samples");
const api = () => ({ url: stackEnv().apiUrl, token: stackEnv().apiToken });

async function request(path: string, init: RequestInit = {}) {
  return fetch(`${stackEnv().apiUrl}${path}`, init);
}

describe("pipeline end to end on the local stack", () => {
  it("refuses requests without a valid bearer token", async () => {
    expect((await request("/v1/apps")).status).toBe(401);
    expect((await request("/v1/apps", { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    expect(
      (await request("/v1/apps", { headers: { authorization: `Bearer ${stackEnv().apiToken}` } })).status,
    ).toBe(200);
  });

  it("rejects an invalid upload request with the reasons", async () => {
    const response = await request("/v1/uploads", {
      method: "POST",
      headers: { authorization: `Bearer ${stackEnv().apiToken}`, "content-type": "application/json" },
      body: JSON.stringify({ app: "Bad App!", format: "no-such-format" }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { details: Array<{ path: string }> };
    expect(body.details.map((d) => d.path).sort()).toEqual(["app", "format"]);
  });

  it("processes an uploaded SARIF report into findings, and a gzipped one the same way", async () => {
    const appId = `e2e-${Date.now().toString(36)}`;
    const statuses: string[] = [];
    const scanId = await uploadReport(api(), join(SAMPLES, "payments-api.codeql.sarif"), {
      app: appId,
      branch: "main",
    });
    const scan = await waitForScan(api(), scanId, (s) => statuses.push(s.status), 60_000);
    expect(scan.status).toBe("processed");
    expect(scan.format).toBe("sarif");
    expect(scan.tool?.name).toBe("CodeQL");
    expect(scan.counts).toMatchObject({ observations: 3, unique: 3, new: 3 });
    expect(statuses.at(-1)).toBe("processed");

    const findings = (await (
      await request(`/v1/apps/${appId}/findings`, {
        headers: { authorization: `Bearer ${stackEnv().apiToken}` },
      })
    ).json()) as {
      findings: Array<{ rule: { id: string }; status: string; score?: { priority: string } }>;
    };
    expect(findings.findings.map((f) => f.rule.id).sort()).toEqual([
      "java/sql-injection",
      "java/weak-cryptographic-algorithm",
      "java/xss",
    ]);
    expect(findings.findings.every((f) => f.status === "open" && f.score?.priority)).toBe(true);

    // the same report gzipped, re-uploaded: an unchanged re-scan
    const gz = join(stackEnv().outboxDir, "..", "codeql.sarif.gz");
    const { writeFileSync, mkdirSync } = await import("node:fs");
    mkdirSync(join(stackEnv().outboxDir, ".."), { recursive: true });
    writeFileSync(gz, gzipSync(readFileSync(join(SAMPLES, "payments-api.codeql.sarif"))));
    const again = await waitForScan(
      api(),
      await uploadReport(api(), gz, { app: appId, branch: "main" }),
      () => undefined,
      60_000,
    );
    expect(again.status).toBe("processed");
    expect(again.counts).toMatchObject({ new: 0, unchanged: 3, resolved: 0 });
  });

  it("marks an unparseable upload failed with the reason and keeps the raw object", async () => {
    const appId = `e2e-bad-${Date.now().toString(36)}`;
    const { writeFileSync } = await import("node:fs");
    const file = join(stackEnv().outboxDir, "..", "not-a-report.json");
    writeFileSync(file, JSON.stringify({ hello: "world" }));
    const scanId = await uploadReport(api(), file, { app: appId });
    const scan = await waitForScan(api(), scanId, () => undefined, 60_000);
    expect(scan.status).toBe("failed");
    expect(scan.failure?.stage).toBe("normalize");
    expect(scan.failure?.reason).toMatch(/unsupported input: a JSON object with keys \[hello\]/);
    expect(await headObjectSize(bucketRef(), objectKeys.raw(appId, scanId))).toBeGreaterThan(0);
  });

  it("processes a scan once when the S3 event is delivered twice, and ignores a key not made for its scan", async () => {
    const appId = `e2e-dup-${Date.now().toString(36)}`;
    const scanId = await uploadReport(api(), join(SAMPLES, "storefront.semgrep.sarif"), { app: appId });
    const first = await waitForScan(api(), scanId, () => undefined, 60_000);
    expect(first.status).toBe("processed");
    const key = objectKeys.raw(appId, scanId);
    const duplicate = {
      version: "0",
      id: "dup-event",
      "detail-type": "Object Created",
      source: "aws.s3",
      account: "000000000000",
      time: new Date().toISOString(),
      region: "us-east-1",
      resources: [],
      detail: { bucket: { name: bucketRef().bucketName }, object: { key, size: 100 } },
    };
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: stackEnv().queues.normalize,
        MessageBody: JSON.stringify(duplicate),
      }),
    );
    // a key under another app for the same scan id: not made by the API for this scan
    await s3.send(
      new PutObjectCommand({
        Bucket: bucketRef().bucketName,
        Key: objectKeys.raw(`${appId}-other`, scanId),
        Body: "{}",
      }),
    );
    await new Promise((r) => setTimeout(r, 2500));
    const after = await getScanStatus(api(), scanId);
    expect(after.status).toBe("processed");
    expect(after.updatedAt).toBe(first.updatedAt);
    expect(after.counts).toEqual(first.counts);
  });

  it("runs ticket-sync, posture and digest into the outbox", async () => {
    const event = { source: "aws.scheduler", "detail-type": "Scheduled Event", detail: {} };
    const tickets = (await (
      await import("#functions/ticket-sync/handler")
    ).handler(event, localContext("ticket-sync"))) as { created: number; groups: number };
    expect(tickets.groups).toBeGreaterThan(0);
    const jiraDir = join(stackEnv().outboxDir, "jira");
    expect(readdirSync(jiraDir).some((f) => f.includes("-create-"))).toBe(true);
    // a second run finds nothing to push: the reconciler is idempotent
    const again = (await (
      await import("#functions/ticket-sync/handler")
    ).handler(event, localContext("ticket-sync"))) as { created: number; updated: number };
    expect(again).toMatchObject({ created: 0, updated: 0 });

    const posture = (await (
      await import("#functions/posture/handler")
    ).handler(event, localContext("posture"))) as { apps: number; open: number };
    expect(posture.apps).toBeGreaterThan(0);
    expect(posture.open).toBeGreaterThan(0);

    const digest = (await (
      await import("#functions/digest/handler")
    ).handler(event, localContext("digest"))) as { delivered: Array<{ ref: string }> };
    const files = digest.delivered.map((d) => d.ref);
    for (const file of files) expect(existsSync(file)).toBe(true);
    const slack = JSON.parse(readFileSync(files.find((f) => f.endsWith(".json")) ?? "", "utf8")) as {
      blocks: unknown[];
    };
    expect(slack.blocks.length).toBeLessThanOrEqual(50);
  });
});
