import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { getScanStatus, waitForScan } from "#cli/api-client";
import { REPO_ROOT } from "#test/support/corpus";
import { stackEnv } from "#test/support/stack-deps";

/**
 * Issue 8.10: the presigned POST stays valid for its whole lifetime, so it can be used again after
 * processing. The kept raw upload must still be the one processed: the scan records which upload
 * (ETag, and version id on a versioned bucket) normalize read, and a later upload is flagged,
 * never processed or passed off as the original.
 */

const api = () => ({ url: stackEnv().apiUrl, token: stackEnv().apiToken });
const SAMPLE = join(REPO_ROOT, "cli/demo/samples/payments-api.codeql.sarif");

async function post(upload: { url: string; fields: Record<string, string> }, body: Blob): Promise<string> {
  const form = new FormData();
  for (const [k, v] of Object.entries(upload.fields)) form.append(k, v);
  form.append("file", body, "report.sarif");
  const response = await fetch(upload.url, { method: "POST", body: form });
  expect(response.ok).toBe(true);
  return (response.headers.get("etag") ?? "").replace(/"/g, "");
}

describe("a second POST through the same presigned upload", () => {
  it("is flagged on the scan and never replaces what was processed", async () => {
    const appId = `overwrite-${Date.now().toString(36)}`;
    const created = await fetch(`${stackEnv().apiUrl}/v1/uploads`, {
      method: "POST",
      headers: { authorization: `Bearer ${stackEnv().apiToken}`, "content-type": "application/json" },
      body: JSON.stringify({ app: appId, branch: "main" }),
    });
    const { scanId, upload } = (await created.json()) as {
      scanId: string;
      upload: { url: string; fields: Record<string, string> };
    };
    const original = readFileSync(SAMPLE);
    const firstEtag = await post(upload, new Blob([original]));
    const processed = await waitForScan(api(), scanId, () => undefined, 60_000);
    expect(processed.status).toBe("processed");
    expect(processed.raw?.etag).toBe(firstEtag);
    expect(processed.counts?.new).toBe(3);

    // the same form again, with other content
    const secondEtag = await post(upload, new Blob(['{"version":"2.1.0","runs":[]}']));
    expect(secondEtag).not.toBe(firstEtag);
    let scan = await getScanStatus(api(), scanId);
    for (let i = 0; i < 100 && !scan.rawOverwrittenAt; i++) {
      await new Promise((r) => setTimeout(r, 100));
      scan = await getScanStatus(api(), scanId);
    }
    expect(scan.rawOverwrittenAt).toBeDefined();
    expect(scan).toMatchObject({ status: "processed", raw: { etag: firstEtag }, counts: { new: 3 } });
  });
});
