import { readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { FindingPage } from "#shared/api-contract";
import { call, uploadReport, waitForScan } from "../api-client.ts";
import { CliError, type CliIo } from "../io.ts";
import { startStack } from "./dev.ts";

const DEMO_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "demo");

/**
 * `npm run demo`: the whole slice on a throwaway local stack: upload the bundled reports through the
 * presigned flow (intel is loaded offline at start), wait for processing, run ticket-sync, posture and digest, print a summary,
 * and stop everything (the JVM included).
 */
export async function demoCommand(io: CliIo): Promise<void> {
  const started = performance.now();
  const outboxDir = resolve(".aspm", "demo-outbox");
  rmSync(outboxDir, { recursive: true, force: true });
  const stack = await startStack({
    memory: true,
    env: {
      ASPM_CONTEXT_FILE: join(DEMO_DIR, "apps.yaml"),
      // KEV from the bundled snapshot (the stack loads it at start), EPSS from the demo's excerpt
      ASPM_INTEL_DIR: join(DEMO_DIR, "intel"),
      ASPM_JIRA_PROJECT: "SEC",
      // the stack's data is throwaway, but what it would send to Jira, Slack and email is kept to look at
      ASPM_OUTBOX_DIR: outboxDir,
    },
  });
  try {
    io.out(
      `local stack up in ${((performance.now() - started) / 1000).toFixed(1)}s (DynamoDB Local, s3rver, local-aws-sqs, in-process EventBridge)`,
    );
    const api = { url: stack.apiUrl, token: stack.apiToken };
    const samples = readdirSync(join(DEMO_DIR, "samples")).sort();
    const scans = [];
    for (const file of samples) {
      const app = file.split(".")[0] ?? "demo";
      const scanId = await uploadReport(api, join(DEMO_DIR, "samples", file), {
        app,
        branch: "main",
        repo: `acme/${app}`,
      });
      io.out(`uploaded ${file} → app ${app}, scan ${scanId}`);
      scans.push(scanId);
    }
    const results = [];
    for (const scanId of scans) results.push(await waitForScan(api, scanId, () => undefined, 120_000));
    const failed = results.filter((s) => s.status !== "processed");
    if (failed.length)
      throw new CliError(
        `scans failed: ${failed.map((s) => `${s.scanId}: ${s.failure?.reason}`).join("; ")}`,
      );

    const tickets = (await stack.runJob("ticket-sync")) as { groups: number; created: number };
    const posture = (await stack.runJob("posture")) as { open: number; actionable: number };
    const digest = (await stack.runJob("digest")) as { delivered: Array<{ channel: string; ref: string }> };

    const bySeverity: Record<string, number> = {};
    const byPriority: Record<string, number> = {};
    const apps = new Set(results.map((s) => s.appId));
    for (const app of apps) {
      const page = await call(api, "GET", `/v1/apps/${app}/findings?status=open&limit=500`, FindingPage);
      for (const f of page.findings) {
        bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
        if (f.score) byPriority[f.score.priority] = (byPriority[f.score.priority] ?? 0) + 1;
      }
    }
    const observations = results.reduce((n, s) => n + (s.counts?.observations ?? 0), 0);
    io.out("");
    io.out("== aspm demo summary ==");
    io.out(`scans processed: ${results.length} (${[...apps].join(", ")})`);
    io.out(
      `findings: ${observations} observations → ${posture.open} open unique findings, ${posture.actionable} actionable (P1+P2)`,
    );
    io.out(
      `by severity: ${["critical", "high", "medium", "low", "info"].map((s) => `${s} ${bySeverity[s] ?? 0}`).join(", ")}`,
    );
    io.out(`by priority: ${["P1", "P2", "P3", "P4"].map((p) => `${p} ${byPriority[p] ?? 0}`).join(", ")}`);
    io.out(
      `tickets: ${tickets.created} created for ${tickets.groups} fix groups (Jira outbox: ${join(stack.outboxDir, "jira")})`,
    );
    for (const d of digest.delivered) io.out(`digest (${d.channel}): ${d.ref}`);
    io.out(`done in ${((performance.now() - started) / 1000).toFixed(1)}s; stopping the local stack`);
  } finally {
    await stack.stop();
  }
}
