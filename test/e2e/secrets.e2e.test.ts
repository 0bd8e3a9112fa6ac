import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { gunzipSync } from "node:zlib";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, describe, expect, it } from "vitest";
import { uploadReport, waitForScan } from "#cli/api-client";
import { localContext } from "#cli/local/queue-poller";
import { documentClient } from "#shared/aws/dynamodb";
import { ENV } from "#shared/config";
import { generateSecrets, secretReports, secretsIn } from "#test/support/secret-reports";
import { stackEnv } from "#test/support/stack-deps";

/**
 * Issue 8, point 9, end to end: reports of four secrets-capable formats carrying 50 seeded secrets
 * each go through the local stack (upload, normalize, correlate, then ticket-sync and the digest
 * into the outbox). Afterwards no secret may be found in clear anywhere the pipeline keeps data:
 * every item of the table, and every file of the stack's data directory (the S3 objects, gzipped
 * ones inflated, and the outbox). The raw uploads (`raw/`) are the one exclusion: they are kept
 * as uploaded, by design (DESIGN §2), so a failed scan can be re-run and audited.
 */

const SECRETS = generateSecrets(50, 8_080_808);
const FORMATS = ["gitleaks-json", "trufflehog-json", "trivy-json"];
const SARIF = "unknown secret scanner sarif";
const api = () => ({ url: stackEnv().apiUrl, token: stackEnv().apiToken });
const uploads = mkdtempSync(join(tmpdir(), "aspm-secrets-"));
afterAll(() => rmSync(uploads, { recursive: true, force: true }));

/** Every file under a directory, but the raw uploads of the S3 bucket. */
function filesOf(dir: string, bucketDir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (path === join(bucketDir, "raw")) continue;
    if (statSync(path).isDirectory()) out.push(...filesOf(path, bucketDir));
    else out.push(path);
  }
  return out;
}

function textOf(path: string): string {
  const bytes = readFileSync(path);
  return (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString("utf8");
}

describe("secrets found by scanners are stored nowhere in clear", () => {
  it("uploads 50 secrets in each of four formats; afterwards the table, the S3 objects but raw/ and the outbox hold none", async () => {
    const app = `e2e-secrets-${Date.now().toString(36)}`;
    const reports = secretReports(SECRETS).filter((r) => FORMATS.includes(r.format) || r.name === SARIF);
    expect(reports).toHaveLength(4);
    for (const report of reports) {
      const file = join(uploads, `${report.name.replaceAll(" ", "-")}.report`);
      writeFileSync(file, report.text);
      const scan = await waitForScan(
        api(),
        await uploadReport(api(), file, { app, branch: "main" }),
        () => undefined,
        90_000,
      );
      expect(scan.status, `${report.name}: ${scan.failure?.reason}`).toBe("processed");
      expect(scan.counts?.observations).toBe(50);
    }

    // the scheduled jobs that copy findings out: tickets and the digest, into the outbox
    const event = { source: "aws.scheduler", "detail-type": "Scheduled Event", detail: {} };
    const tickets = (await (
      await import("#functions/ticket-sync/handler")
    ).handler(event, localContext("ticket-sync"))) as { groups: number };
    expect(tickets.groups).toBeGreaterThan(0);
    await (await import("#functions/posture/handler")).handler(event, localContext("posture"));
    await (await import("#functions/digest/handler")).handler(event, localContext("digest"));

    // the table: every item, whatever its kind
    const items: unknown[] = [];
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await documentClient.send(
        new ScanCommand({ TableName: stackEnv().env[ENV.tableName], ExclusiveStartKey: cursor }),
      );
      items.push(...(page.Items ?? []));
      cursor = page.LastEvaluatedKey;
    } while (cursor);
    const ours = items.filter((item) => JSON.stringify(item).includes(app));
    expect(ours.length).toBeGreaterThan(4 * 50);
    expect(secretsIn(JSON.stringify(items), SECRETS)).toEqual([]);

    // the data directory: S3 objects (normalized reports, state snapshots) and the outbox
    const root = dirname(stackEnv().outboxDir);
    const bucketDir = join(root, "s3", stackEnv().env[ENV.bucketName] ?? "");
    const files = filesOf(root, bucketDir);
    const mine = files.filter((f) => f.includes(app));
    expect(mine.some((f) => relative(bucketDir, f).startsWith(`normalized${sep}`))).toBe(true);
    expect(files.some((f) => f.startsWith(join(root, "outbox")))).toBe(true);
    const leaks = files.flatMap((f) =>
      secretsIn(textOf(f), SECRETS).map((s) => `${relative(root, f)}: ${s}`),
    );
    expect(leaks).toEqual([]);

    // the raw uploads are kept as uploaded: the one place the secrets are, by design
    const raw = filesOf(join(bucketDir, "raw"), "").filter((f) => f.includes(app));
    expect(raw.some((f) => secretsIn(textOf(f), SECRETS).length > 0)).toBe(true);
  }, 300_000);
});
