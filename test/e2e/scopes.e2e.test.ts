import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { uploadReport, waitForScan } from "#cli/api-client";
import { legacyScopeIdOf, type Scan } from "#shared/domain/scan";
import { parseReport } from "#shared/parsers/registry";
import { loadCommittedState } from "#shared/store/app-state-store";
import { allFindingsOfApp } from "#shared/store/finding-store";
import { correlateScan } from "#shared/usecases/correlate-scan";
import { runAspm } from "#test/support/aspm-bin";
import { bucketRef, recordingPublisher, stackEnv, tableRef } from "#test/support/stack-deps";
import { stageNormalizedScan } from "#test/support/stage";

/**
 * Scopes do not collide across formats (issue 9 §3): a Trivy image report and a Trivy CycloneDX
 * SBOM of one app are two scopes, a same-kind rescan still resolves what disappeared, state kept
 * under the legacy scope ids is taken over by the first same-kind scan, and `aspm status` warns
 * when a scan resolved most of its scope. Through the real pipeline: API → S3 → normalize → correlate.
 */

const api = () => ({ url: stackEnv().apiUrl, token: stackEnv().apiToken });
let n = 0;

function newApp(name: string): string {
  return `scopes-${name}-${Date.now().toString(36)}-${++n}`;
}

function trivyImage(tag: string, cves: number[]): string {
  return JSON.stringify({
    SchemaVersion: 2,
    Trivy: { Version: "0.50.0" },
    ArtifactName: `shop/api:${tag}`,
    ArtifactType: "container_image",
    Results: [
      {
        Target: `shop/api:${tag} (alpine 3.19.1)`,
        Class: "os-pkgs",
        Type: "alpine",
        Vulnerabilities: cves.map((i) => ({
          VulnerabilityID: `CVE-2024-${1000 + i}`,
          PkgName: `lib${i}`,
          InstalledVersion: "1.0.0-r0",
          FixedVersion: "1.0.1-r0",
          Severity: "HIGH",
          Title: `flaw ${i}`,
        })),
      },
    ],
  });
}

function trivyCycloneDx(tag: string, cves: number[]): string {
  const ref = (i: number) => `pkg:npm/sbom-lib${i}@2.0.0`;
  return JSON.stringify({
    bomFormat: "CycloneDX",
    specVersion: "1.5",
    metadata: {
      tools: { components: [{ type: "application", name: "trivy", version: "0.50.0" }] },
      component: { "bom-ref": "root", type: "container", name: `shop/api:${tag}` },
    },
    components: cves.map((i) => ({
      "bom-ref": ref(i),
      type: "library",
      name: `sbom-lib${i}`,
      version: "2.0.0",
      purl: ref(i),
    })),
    vulnerabilities: cves.map((i) => ({
      id: `CVE-2025-${2000 + i}`,
      ratings: [{ severity: "medium" }],
      affects: [{ ref: ref(i) }],
    })),
  });
}

async function upload(app: string, name: string, body: string): Promise<Scan> {
  const dir = join(stackEnv().outboxDir, "..", "scopes");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${app}-${++n}-${name}`);
  writeFileSync(file, body);
  const scanId = await uploadReport(api(), file, {
    app,
    branch: "main",
    commitTime: new Date(Date.now() + n).toISOString(),
  });
  const scan = await waitForScan(api(), scanId, () => undefined, 60_000);
  expect(scan.status, scan.failure?.reason).toBe("processed");
  return scan;
}

async function findingsOf(appId: string) {
  const out = [];
  for await (const f of allFindingsOfApp(tableRef(), appId)) out.push(f);
  return out;
}

const scopesOf = async (app: string) =>
  (await loadCommittedState(tableRef(), bucketRef(), app))?.scopes ?? {};

const statusOf = async (app: string) =>
  new Map((await findingsOf(app)).map((f) => [f.vulnerability?.id ?? f.findingId, f.status]));

const aspm = (args: string[]) => runAspm(args);

describe("scopes across formats on the local stack", () => {
  it("a Trivy CycloneDX SBOM of the same app resolves nothing of the Trivy image report", async () => {
    const app = newApp("kinds");
    const image = await upload(app, "image.json", trivyImage("1.0", [1, 2, 3, 4, 5, 6]));
    expect(image.counts).toMatchObject({ new: 6, resolved: 0 });
    expect(image.artifact).toBe("shop/api");

    const sbom = await upload(app, "sbom.cdx.json", trivyCycloneDx("1.0", [1]));
    expect(sbom.format).toBe("cyclonedx-json");
    expect(sbom.scopeId).not.toBe(image.scopeId);
    expect(sbom.counts).toMatchObject({ new: 1, resolved: 0, scopeBefore: 0 });
    const statuses = await statusOf(app);
    expect(statuses.size).toBe(7);
    expect([...statuses.values()].every((s) => s === "open")).toBe(true);

    // an empty SBOM resolves its own finding, still nothing of the image's
    const clean = await upload(app, "sbom-clean.cdx.json", trivyCycloneDx("1.1", []));
    expect(clean.scopeId).toBe(sbom.scopeId);
    expect(clean.counts).toMatchObject({ resolved: 1, scopeBefore: 1 });
    const after = await statusOf(app);
    expect(after.get("CVE-2025-2001")).toBe("resolved");
    expect([1, 2, 3, 4, 5, 6].map((i) => after.get(`CVE-2024-${1000 + i}`))).toEqual(Array(6).fill("open"));
  });

  it("a same-kind rescan (next tag) resolves what disappeared, and aspm status warns past half the scope", async () => {
    const app = newApp("rescan");
    const first = await upload(app, "image.json", trivyImage("1.0", [1, 2, 3, 4]));
    const fewer = await upload(app, "image-next.json", trivyImage("1.1", [1, 2, 3]));
    expect(fewer.scopeId).toBe(first.scopeId);
    expect(fewer.counts).toMatchObject({ resolved: 1, unchanged: 3, scopeBefore: 4 });
    expect((await statusOf(app)).get("CVE-2024-1004")).toBe("resolved");

    const calm = await aspm(["status", fewer.scanId]);
    expect(calm.code, calm.stderr).toBe(0);
    expect(calm.stdout).toContain("report: trivy-json from Trivy 0.50.0 of shop/api");
    expect(calm.stdout).not.toContain("warning:");

    const sweep = await upload(app, "image-last.json", trivyImage("1.2", [1]));
    expect(sweep.counts).toMatchObject({ resolved: 2, scopeBefore: 3 });
    const loud = await aspm(["status", sweep.scanId]);
    expect(loud.code, loud.stderr).toBe(0);
    expect(loud.stdout).toContain(
      "warning: this scan resolved 2 of the 3 findings its scope held (shop/api); check that it scanned the same thing as the last one",
    );
  });

  it("state under a legacy scope id is left to other kinds and taken over once by the same kind", async () => {
    const app = newApp("legacy");
    const legacyId = legacyScopeIdOf(app, "Trivy", "default", "main");
    // what an earlier version wrote: the image report's findings under (app, tool, target, branch)
    const old = parseReport(Buffer.from(trivyImage("0.9", [1, 2, 3, 4])), { secretSalt: "no secrets here" });
    const staged = await stageNormalizedScan(tableRef(), bucketRef(), old.findings, {
      appId: app,
      tool: "Trivy",
      target: "default",
      format: "trivy-json",
      scopeId: legacyId,
      commitTime: new Date(Date.now() - 60_000).toISOString(),
    });
    const deps = { db: tableRef(), bucket: bucketRef(), events: recordingPublisher() };
    expect((await correlateScan(deps, staged)).counts).toMatchObject({ new: 4 });

    // another kind of the same tool: a scope of its own, the legacy one untouched
    const sbom = await upload(app, "sbom.cdx.json", trivyCycloneDx("1.0", []));
    expect(sbom.counts).toMatchObject({ resolved: 0, scopeBefore: 0 });
    expect(Object.keys(await scopesOf(app))).toContain(legacyId);
    expect([...(await statusOf(app)).values()]).toEqual(Array(4).fill("open"));

    // the same kind adopts it: seen findings move their source, the rest are resolved
    const image = await upload(app, "image.json", trivyImage("1.0", [1, 2]));
    expect(image.counts).toMatchObject({ new: 0, unchanged: 2, resolved: 2, scopeBefore: 4 });
    const scopes = Object.keys(await scopesOf(app));
    expect(scopes).not.toContain(legacyId);
    expect(scopes).toContain(image.scopeId);
    const findings = await findingsOf(app);
    // seen again: the source moved to the new scope; gone: resolved with the legacy source closed
    for (const f of findings)
      if (f.status === "open") expect(Object.keys(f.sources)).not.toContain(legacyId);
      else expect(f.sources[legacyId]?.open).toBe(false);
    const byCve = new Map(findings.map((f) => [f.vulnerability?.id, f]));
    expect(byCve.get("CVE-2024-1001")?.status).toBe("open");
    expect(byCve.get("CVE-2024-1001")?.sources[image.scopeId ?? ""]?.open).toBe(true);
    expect(byCve.get("CVE-2024-1003")?.status).toBe("resolved");

    // from now on an ordinary scope: a rescan changes nothing, a dropped finding resolves
    const again = await upload(app, "image-again.json", trivyImage("1.1", [1, 2]));
    expect(again.counts).toMatchObject({ unchanged: 2, resolved: 0, updated: 0, scopeBefore: 2 });
    const last = await upload(app, "image-last.json", trivyImage("1.2", [1]));
    expect(last.counts).toMatchObject({ resolved: 1, scopeBefore: 2 });
    expect((await statusOf(app)).get("CVE-2024-1002")).toBe("resolved");
  });
});
