import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { classifyApp, ensureApp } from "#shared/store/app-store";
import { ContractClient } from "#test/support/contract";
import { REPO_ROOT } from "#test/support/corpus";
import { ingest } from "#test/support/ingest";
import { sarifLog } from "#test/support/sarif";
import { stackEnv, tableRef } from "#test/support/stack-deps";

/**
 * The HTTP API on the local stack, through a client that validates every response against the
 * served /v1/openapi.json: scoped tokens (a matrix of scope × route × app, every cell asserted),
 * finding queries, triage, exceptions and the error statuses of bad input.
 */

const run = Date.now().toString(36);
const A = `mx-${run}-a`;
const B = `mx-${run}-b`;
const admin = () => stackEnv().apiToken;

type J = Record<string, unknown> & {
  findings?: Array<Record<string, unknown> & { ref: string }>;
  cursor?: string;
  token?: string;
  record?: { id: string };
  error?: string;
};

let api: ContractClient;
const refs: Record<string, string> = {};
const scans: Record<string, string> = {};

const sastReport = (tool: string, level: "error" | "warning" = "warning") =>
  sarifLog(tool, [
    { rule: "sql-injection", level, file: "src/db.ts", line: 10, snippet: "db.query(input)" },
    { rule: "weak-hash", level: "note", file: "src/crypto.ts", line: 3, snippet: "md5(x)" },
    { rule: "open-redirect", level: "warning", file: "src/web.ts", line: 40, snippet: "redirect(q)" },
  ]);

async function token(scope: Record<string, unknown>, subject: string, expiresAt?: string): Promise<string> {
  const created = await api.request<J>("POST", "/v1/tokens", admin(), {
    subject,
    scope,
    ...(expiresAt ? { expiresAt } : {}),
  });
  expect(created.status).toBe(201);
  return String(created.body.token);
}

beforeAll(async () => {
  api = await ContractClient.connect(stackEnv().apiUrl);
  for (const [app, team] of [
    [A, "alpha"],
    [B, "beta"],
  ] as const) {
    await ensureApp(tableRef(), app, new Date().toISOString());
    await classifyApp(tableRef(), app, { team });
    const scan = await ingest(app, sastReport("Semgrep OSS"));
    expect(scan.status).toBe("processed");
    scans[app] = scan.scanId;
    const page = await api.request<J>("GET", `/v1/apps/${app}/findings`, admin());
    const first = page.body.findings?.find((f) => (f.rule as { id: string }).id === "sql-injection");
    refs[app] = String(first?.ref);
  }
});

describe("tokens: scope × route × app", () => {
  type Kind = "upload" | "read" | "triage";
  interface Expectation {
    /** Apps the token may act on, per kind of route. */
    upload: string[];
    read: string[];
    triage: string[];
    admin: boolean;
    cveException: boolean;
    unauthenticated?: boolean;
  }
  const none = { upload: [], read: [], triage: [], admin: false, cveException: false };
  // written out by hand, not derived from the code under test
  const EXPECTED: Record<string, Expectation> = {
    [`upload:${A}`]: { ...none, upload: [A], read: [A] },
    [`upload:mx-${run}-*`]: { ...none, upload: [A, B], read: [A, B] },
    "read:alpha": { ...none, read: [A] },
    "read:*": { ...none, read: [A, B] },
    "triage:alpha": { ...none, read: [A], triage: [A] },
    "triage:*": { ...none, read: [A, B], triage: [A, B], cveException: true },
    admin: { upload: [A, B], read: [A, B], triage: [A, B], admin: true, cveException: true },
    bootstrap: { upload: [A, B], read: [A, B], triage: [A, B], admin: true, cveException: true },
    revoked: { ...none, unauthenticated: true },
    expired: { ...none, unauthenticated: true },
    unknown: { ...none, unauthenticated: true },
    missing: { ...none, unauthenticated: true },
  };

  const APP_ROUTES: Array<{ kind: Kind; name: string; call: (app: string, t?: string) => Promise<number> }> =
    [
      {
        kind: "upload",
        name: "POST /v1/uploads",
        call: async (app, t) =>
          (await api.request("POST", "/v1/uploads", t, { app, branch: "feature/x" })).status,
      },
      {
        kind: "read",
        name: "GET /v1/scans/{id}",
        call: async (app, t) => (await api.request("GET", `/v1/scans/${scans[app]}`, t)).status,
      },
      {
        kind: "read",
        name: "GET /v1/apps/{app}",
        call: async (app, t) => (await api.request("GET", `/v1/apps/${app}`, t)).status,
      },
      {
        kind: "read",
        name: "GET /v1/apps/{app}/scans",
        call: async (app, t) => (await api.request("GET", `/v1/apps/${app}/scans`, t)).status,
      },
      {
        kind: "read",
        name: "GET /v1/apps/{app}/findings",
        call: async (app, t) => (await api.request("GET", `/v1/apps/${app}/findings`, t)).status,
      },
      {
        kind: "read",
        name: "GET /v1/findings?app=",
        call: async (app, t) => (await api.request("GET", `/v1/findings?app=${app}`, t)).status,
      },
      {
        kind: "read",
        name: "GET /v1/findings/{ref}",
        call: async (app, t) => (await api.request("GET", `/v1/findings/${refs[app]}`, t)).status,
      },
      {
        kind: "triage",
        name: "PATCH /v1/findings/{ref}",
        call: async (app, t) =>
          (
            await api.request("PATCH", `/v1/findings/${refs[app]}`, t, {
              owner: app === A ? "alpha" : "beta",
              reason: "matrix",
            })
          ).status,
      },
      {
        kind: "triage",
        name: "POST /v1/findings/{ref}/triage",
        call: async (app, t) =>
          (
            await api.request("POST", `/v1/findings/${refs[app]}/triage`, t, {
              owner: app === A ? "alpha" : "beta",
              reason: "matrix",
            })
          ).status,
      },
      {
        kind: "triage",
        name: "POST /v1/exceptions (finding)",
        call: async (app, t) =>
          (
            await api.request("POST", "/v1/exceptions", t, {
              scope: { kind: "finding", finding: refs[app] },
              reason: "matrix",
              days: 1,
            })
          ).status,
      },
    ];

  const SUCCESS: Record<string, number> = { "POST /v1/uploads": 201, "POST /v1/exceptions (finding)": 201 };

  it("answers every cell as the scope says: allowed, 403, or 401", async () => {
    const tokens: Record<string, string | undefined> = {
      [`upload:${A}`]: await token({ kind: "upload", apps: A }, "ci-a"),
      [`upload:mx-${run}-*`]: await token({ kind: "upload", apps: `mx-${run}-*` }, "ci-all"),
      "read:alpha": await token({ kind: "read", team: "alpha" }, "reader-alpha"),
      "read:*": await token({ kind: "read", team: "*" }, "reader-all"),
      "triage:alpha": await token({ kind: "triage", team: "alpha" }, "appsec-alpha"),
      "triage:*": await token({ kind: "triage", team: "*" }, "appsec"),
      admin: await token({ kind: "admin" }, "second-admin"),
      bootstrap: admin(),
      revoked: await token({ kind: "admin" }, "gone"),
      expired: await token({ kind: "admin" }, "brief", new Date(Date.now() + 1500).toISOString()),
      unknown: "aspm_not-a-token",
      missing: undefined,
    };
    const listed = await api.request<{ tokens: Array<{ id: string; subject: string }> }>(
      "GET",
      "/v1/tokens",
      admin(),
    );
    const gone = listed.body.tokens.find((t) => t.subject === "gone");
    expect((await api.request("DELETE", `/v1/tokens/${gone?.id}`, admin())).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1600));

    const cells: string[] = [];
    for (const [scope, expectation] of Object.entries(EXPECTED)) {
      const t = tokens[scope];
      for (const app of [A, B]) {
        for (const r of APP_ROUTES) {
          const allowed = expectation[r.kind].includes(app);
          const want = expectation.unauthenticated ? 401 : allowed ? (SUCCESS[r.name] ?? 200) : 403;
          const got = await r.call(app, t);
          cells.push(`${scope} ${r.name} ${app === A ? "A" : "B"}: ${got}`);
          expect(got, `${scope} ${r.name} on ${app === A ? "A" : "B"}`).toBe(want);
        }
      }
      // portfolio-wide routes
      const wantAdmin = expectation.unauthenticated ? 401 : expectation.admin ? 200 : 403;
      expect((await api.request("GET", "/v1/tokens", t)).status, `${scope} GET /v1/tokens`).toBe(wantAdmin);
      const created = await api.request("POST", "/v1/tokens", t, {
        subject: "x",
        scope: { kind: "read", team: "x" },
      });
      expect(created.status, `${scope} POST /v1/tokens`).toBe(
        expectation.unauthenticated ? 401 : expectation.admin ? 201 : 403,
      );
      const cve = await api.request("POST", "/v1/exceptions", t, {
        scope: { kind: "cve", cve: "CVE-2021-44228" },
        reason: "matrix",
        days: 1,
      });
      expect(cve.status, `${scope} CVE exception`).toBe(
        expectation.unauthenticated ? 401 : expectation.cveException ? 201 : 403,
      );
      const apps = await api.request<{ apps: Array<{ appId: string }> }>("GET", "/v1/apps", t);
      expect(apps.status).toBe(expectation.unauthenticated ? 401 : 200);
      if (apps.status === 200) {
        const seen = apps.body.apps.map((a) => a.appId).filter((id) => id === A || id === B);
        expect(seen.sort(), `${scope} GET /v1/apps`).toEqual(expectation.read.sort());
      }
      cells.push(`${scope} portfolio ×4`);
    }
    expect(cells).toHaveLength(Object.keys(EXPECTED).length * (2 * APP_ROUTES.length + 1));
  });

  it("lists tokens without secrets or digests, and refuses a bad scope or a past expiry", async () => {
    const t = await token({ kind: "read", team: "alpha" }, "lister");
    const listed = await api.request<{ tokens: unknown[] }>("GET", "/v1/tokens", admin());
    const text = JSON.stringify(listed.body);
    expect(text).not.toContain(t);
    expect(text).not.toMatch(/[0-9a-f]{64}/);
    expect(
      (await api.request("POST", "/v1/tokens", admin(), { subject: "x", scope: { kind: "root" } })).status,
    ).toBe(400);
    expect(
      (
        await api.request("POST", "/v1/tokens", admin(), {
          subject: "x",
          scope: { kind: "admin" },
          expiresAt: "2020-01-01T00:00:00Z",
        })
      ).status,
    ).toBe(400);
    expect((await api.request("DELETE", "/v1/tokens/000000000000", admin())).status).toBe(404);
    expect((await api.request<J>("GET", "/v1/me", t)).body).toMatchObject({
      subject: "lister",
      scope: { kind: "read", team: "alpha" },
    });
  });
});

describe("finding queries", () => {
  it("filters on every field, and an unknown filter is a 400", async () => {
    const q = async (query: string) =>
      (await api.request<J>("GET", `/v1/findings?app=${A}&${query}`, admin())).body.findings ?? [];
    expect(await q("status=open")).toHaveLength(3);
    expect(await q("status=resolved")).toHaveLength(0);
    expect((await q("severity=low")).map((f) => (f.rule as { id: string }).id)).toEqual(["weak-hash"]);
    expect(await q("severity=low,medium")).toHaveLength(3);
    expect(await q("severity=critical,high")).toHaveLength(0);
    expect(await q("category=sast&tool=semgrep%20oss")).toHaveLength(3);
    expect(await q("tool=trivy")).toHaveLength(0);
    expect((await q("text=CRYPTO")).map((f) => (f.location as { file: string }).file)).toEqual([
      "src/crypto.ts",
    ]);
    expect(await q("kev=true")).toHaveLength(0);
    expect(await q("kev=false")).toHaveLength(3);
    const p = await q("priority=P1,P2,P3,P4");
    expect(p).toHaveLength(3);
    expect(await q("dueBefore=2000-01-01")).toHaveLength(0);
    expect(await q("dueBefore=2999-01-01")).toHaveLength(3);
    expect(await q("cve=CVE-2021-44228")).toHaveLength(0);

    for (const bad of [
      "bogus=1",
      "status=closed",
      "severity=urgent",
      "priority=P9",
      "kev=maybe",
      "dueBefore=soon",
      "cve=log4shell",
      "limit=0",
    ]) {
      const r = await api.request<J>("GET", `/v1/findings?${bad}`, admin());
      expect(r.status, bad).toBe(400);
    }
    expect((await api.request("GET", `/v1/apps/${A}/scans?bogus=1`, admin())).status).toBe(400);
  });

  it("pages with cursors bound to their query, across every page, without duplicates", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.request<J>(
        "GET",
        `/v1/findings?app=${A}&limit=1${cursor ? `&cursor=${cursor}` : ""}`,
        admin(),
      );
      expect(page.status).toBe(200);
      seen.push(...(page.body.findings ?? []).map((f) => f.ref));
      cursor = page.body.cursor;
    } while (cursor);
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(3);

    const first = await api.request<J>("GET", `/v1/findings?app=${A}&limit=1`, admin());
    const other = await api.request<J>(
      "GET",
      `/v1/findings?app=${B}&limit=1&cursor=${first.body.cursor}`,
      admin(),
    );
    expect(other.status).toBe(400);
    expect(other.body.error).toBe("the cursor belongs to another query");
    expect((await api.request("GET", `/v1/findings?cursor=garbage!!`, admin())).status).toBe(400);
    const scansA = await api.request<J>("GET", `/v1/apps/${A}/scans`, admin());
    expect(scansA.status).toBe(200);
  });

  it("answers 400, not 500, to a malformed percent-escape, and decodes a path once", async () => {
    for (const path of ["/v1/apps/%E0%A4%A", "/v1/findings/%zz", "/v1/teams/%/findings"]) {
      const r = await api.request<J>("GET", path, admin());
      expect(r.status, path).toBe(400);
    }
    // %2525 is "%25" after one decoding: a team literally named "%25", not "%"
    const team = await api.request<J>("GET", "/v1/teams/alpha%2525/findings", admin());
    expect(team.status).toBe(200);
    expect(team.body.findings).toEqual([]);
    expect((await api.request<J>("GET", "/v1/teams/alpha/findings", admin())).body.findings).toHaveLength(3);
    const cve = await api.request<J>("GET", "/v1/cves/cve-2021-44228/findings", admin());
    expect(cve.body).toMatchObject({ cve: "CVE-2021-44228", affected: false });
    expect((await api.request("GET", "/v1/cves/not-a-cve/findings", admin())).status).toBe(400);
    expect((await api.request("GET", "/v1/no-such-route", admin())).status).toBe(404);
    expect((await api.request("GET", `/v1/findings/${A}:0000000000000000`, admin())).status).toBe(404);
    expect((await api.request("GET", "/v1/apps/no-such-app-here", admin())).status).toBe(404);
    expect((await api.request("GET", "/v1/scans/00000000000000000000", admin())).status).toBe(404);
  });
});

describe("triage", () => {
  it("keeps a false positive closed across re-scans until its content changes, with who, why and when", async () => {
    const app = `tr-${run}`;
    await ingest(app, sastReport("Semgrep OSS"));
    const findings =
      (await api.request<J>("GET", `/v1/findings?app=${app}&text=sql`, admin())).body.findings ?? [];
    const ref = String(findings[0]?.ref);
    const triager = await token({ kind: "triage", team: "*" }, "alice@example.com");

    const fp = await api.request<J>("PATCH", `/v1/findings/${ref}`, triager, {
      status: "false_positive",
      reason: "input is a constant",
    });
    expect(fp.status).toBe(200);
    expect(fp.body).toMatchObject({
      status: "resolved",
      triage: { status: "false_positive", by: "alice@example.com" },
    });
    const last = (fp.body.history as Array<Record<string, unknown>>).at(-1);
    expect(last).toMatchObject({
      actor: "alice@example.com",
      action: "triaged",
      to: "false_positive",
      reason: "input is a constant",
    });
    expect(String(last?.at)).toMatch(/^\d{4}-\d\d-\d\dT/);
    // out of the team's open index
    const open = await api.request<J>("GET", `/v1/findings?app=${app}&status=open`, admin());
    expect(open.body.findings?.map((f) => f.ref)).not.toContain(ref);

    // the same content again: still closed; gone and back: still closed
    await ingest(app, sastReport("Semgrep OSS"));
    expect((await api.request<J>("GET", `/v1/findings/${ref}`, admin())).body.status).toBe("resolved");
    await ingest(
      app,
      sarifLog("Semgrep OSS", [
        { rule: "weak-hash", level: "note", file: "src/crypto.ts", line: 3, snippet: "md5(x)" },
      ]),
    );
    await ingest(app, sastReport("Semgrep OSS"));
    const still = await api.request<J>("GET", `/v1/findings/${ref}`, admin());
    expect(still.body).toMatchObject({ status: "resolved", triage: { status: "false_positive" } });

    // new content (the scanner now says error): reopened by the system, the triage ended
    await ingest(app, sastReport("Semgrep OSS", "error"));
    const reopened = await api.request<J>("GET", `/v1/findings/${ref}`, admin());
    expect(reopened.body.status).toBe("open");
    expect((reopened.body.triage as { status?: string } | undefined)?.status).toBeUndefined();
    expect((reopened.body.history as Array<Record<string, unknown>>).at(-1)).toMatchObject({
      actor: "system",
      action: "reopened",
    });
  });

  it("reopens what a person closed, moves the owner, and refuses nonsense", async () => {
    const app = `tr2-${run}`;
    await ingest(app, sastReport("Semgrep OSS"));
    const ref = String(
      (await api.request<J>("GET", `/v1/findings?app=${app}&text=redirect`, admin())).body.findings?.[0]?.ref,
    );
    const mitigated = await api.request<J>("POST", `/v1/findings/${ref}/triage`, admin(), {
      status: "mitigated",
      reason: "WAF rule 12",
    });
    expect(mitigated.body).toMatchObject({ status: "resolved", triage: { status: "mitigated" } });
    const back = await api.request<J>("PATCH", `/v1/findings/${ref}`, admin(), {
      status: "open",
      reason: "WAF removed",
    });
    expect(back.body).toMatchObject({ status: "open", triage: { status: "confirmed" } });
    expect(
      (await api.request("PATCH", `/v1/findings/${ref}`, admin(), { status: "open", reason: "again" }))
        .status,
    ).toBe(400);

    const moved = await api.request<J>("PATCH", `/v1/findings/${ref}`, admin(), {
      owner: "platform",
      reason: "they own the router",
    });
    expect(moved.body).toMatchObject({ team: "platform" });
    expect((moved.body.history as Array<Record<string, unknown>>).at(-1)).toMatchObject({
      action: "owner-changed",
      to: "platform",
    });
    const platform = await api.request<J>("GET", "/v1/teams/platform/findings", admin());
    expect(platform.body.findings?.map((f) => f.ref)).toContain(ref);
    // a re-scan keeps the override
    await ingest(app, sastReport("Semgrep OSS", "error"));
    expect((await api.request<J>("GET", `/v1/findings/${ref}`, admin())).body.team).toBe("platform");

    for (const bad of [
      { reason: "nothing to do" },
      { status: "wontfix", reason: "x" },
      { status: "mitigated" },
      { status: "mitigated", reason: "x", extra: 1 },
    ])
      expect(
        (await api.request("PATCH", `/v1/findings/${ref}`, admin(), bad)).status,
        JSON.stringify(bad),
      ).toBe(400);
    expect(
      (
        await api.request("PATCH", `/v1/findings/${app}:0123456789abcdef`, admin(), {
          status: "mitigated",
          reason: "x",
        })
      ).status,
    ).toBe(404);
  });
});

describe("exceptions over HTTP", () => {
  it("validates the subject and the state, and needs a second person to approve", async () => {
    const missing = await api.request<J>("POST", "/v1/exceptions", admin(), {
      scope: { kind: "finding", finding: `${A}:0123456789abcdef` },
      reason: "x",
    });
    expect(missing.status).toBe(404);
    expect((await api.request("GET", "/v1/exceptions?state=bogus", admin())).status).toBe(400);
    expect((await api.request("GET", "/v1/exceptions/EX-NOPE", admin())).status).toBe(404);
    expect((await api.request("POST", "/v1/exceptions/EX-NOPE/approve", admin(), {})).status).toBe(404);

    const requester = await token({ kind: "triage", team: "*" }, "bob@example.com");
    const requested = await api.request<J>("POST", "/v1/exceptions", requester, {
      scope: { kind: "rule", app: B, rule: "weak-hash" },
      reason: "test fixtures only",
      days: 10,
    });
    expect(requested.status).toBe(201);
    const id = String(requested.body.id);
    const self = await api.request<J>("POST", `/v1/exceptions/${id}/approve`, requester, {});
    expect(self.status).toBe(400);
    expect(self.body.error).toContain("someone else");
    const approved = await api.request<J>("POST", `/v1/exceptions/${id}/approve`, admin(), { note: "ok" });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ exception: { state: "active", decidedBy: "admin" }, findings: 1 });
    const listed = await api.request<{ exceptions: Array<{ id: string }> }>(
      "GET",
      "/v1/exceptions?state=active",
      admin(),
    );
    expect(listed.body.exceptions.map((e) => e.id)).toContain(id);
    expect((await api.request<J>("GET", `/v1/exceptions/${id}`, admin())).body.state).toBe("active");
    const again = await api.request<J>("POST", `/v1/exceptions/${id}/reject`, admin(), {});
    expect(again.status).toBe(400);

    const other = await api.request<J>("POST", "/v1/exceptions", requester, {
      scope: { kind: "cve", cve: "cve-2024-0001" },
      reason: "n/a",
    });
    const rejected = await api.request<J>("POST", `/v1/exceptions/${other.body.id}/reject`, requester, {
      note: "withdrawn",
    });
    expect(rejected.body).toMatchObject({ state: "rejected" });
  });
});

describe("inventory", () => {
  const cdx = (components: Array<[string, string]>) =>
    JSON.stringify({
      bomFormat: "CycloneDX",
      specVersion: "1.6",
      metadata: { tools: { components: [{ name: "syft", version: "1.18.1" }] } },
      components: components.map(([purl, version]) => ({
        type: "library",
        "bom-ref": purl,
        name: purl.split("/").at(-1)?.split("@")[0],
        version,
        purl,
      })),
    });
  const spdx = (purl: string, version: string) =>
    JSON.stringify({
      spdxVersion: "SPDX-2.3",
      SPDXID: "SPDXRef-DOCUMENT",
      creationInfo: { creators: ["Tool: trivy-0.58.0"] },
      packages: [
        {
          SPDXID: "SPDXRef-1",
          name: "log4j-core",
          versionInfo: version,
          externalRefs: [
            { referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: purl },
          ],
        },
      ],
    });
  const log4j = (v: string) => `pkg:maven/org.apache.logging.log4j/log4j-core@${v}`;

  it("answers which apps run a package and which versions, by name or purl, from tracked SBOMs only", async () => {
    const [one, two, three] = ["inv1", "inv2", "inv3"].map((n) => `${n}-${run}`);
    expect(
      (
        await ingest(
          String(one),
          cdx([
            [log4j("2.14.1"), "2.14.1"],
            ["pkg:npm/lodash@4.17.21", "4.17.21"],
          ]),
        )
      ).status,
    ).toBe("processed");
    expect((await ingest(String(two), spdx(log4j("2.17.1"), "2.17.1"))).status).toBe("processed");
    expect(
      (await ingest(String(three), spdx(log4j("2.0.0"), "2.0.0"), { branch: "feature/upgrade" })).status,
    ).toBe("processed");

    const ours = (body: { apps: Array<{ appId: string }> }) => body.apps.filter((a) => a.appId.endsWith(run));
    const byName = await api.request<{ apps: Array<{ appId: string; versions: string[] }> }>(
      "GET",
      "/v1/packages/Log4j-Core",
      admin(),
    );
    expect(ours(byName.body)).toEqual([
      { appId: one, versions: ["2.14.1"] },
      { appId: two, versions: ["2.17.1"] },
    ]);
    const byPurl = await api.request<{ apps: Array<{ appId: string }>; uses: Array<{ purl?: string }> }>(
      "GET",
      `/v1/packages/${encodeURIComponent(log4j("2.14.1"))}`,
      admin(),
    );
    expect(ours(byPurl.body).map((a) => a.appId)).toEqual([one]);
    const anyVersion = await api.request<{ apps: Array<{ appId: string }> }>(
      "GET",
      `/v1/packages/${encodeURIComponent("pkg:maven/org.apache.logging.log4j/log4j-core")}`,
      admin(),
    );
    expect(ours(anyVersion.body).map((a) => a.appId)).toEqual([one, two]);
    expect((await api.request("GET", `/v1/packages/${encodeURIComponent("pkg:")}`, admin())).status).toBe(
      400,
    );

    // a reader of another team does not see these apps; the next SBOM of a scope replaces its inventory
    const outsider = await token({ kind: "read", team: "nobody" }, "outsider");
    expect(
      ours(
        (await api.request<{ apps: Array<{ appId: string }> }>("GET", "/v1/packages/log4j-core", outsider))
          .body,
      ),
    ).toEqual([]);
    await ingest(String(one), cdx([["pkg:npm/lodash@4.17.21", "4.17.21"]]));
    expect(
      ours(
        (await api.request<{ apps: Array<{ appId: string }> }>("GET", "/v1/packages/log4j-core", admin()))
          .body,
      ),
    ).toEqual([{ appId: two, versions: ["2.17.1"] }]);
  });

  it("exports an app's CycloneDX 1.6 SBOM with VEX from triage", async () => {
    const app = `sbom-${run}`;
    const report = readFileSync(join(REPO_ROOT, "test/fixtures/parsers/cyclonedx-json/vex-1.5.json"), "utf8");
    expect((await ingest(app, report)).status).toBe("processed");
    const open =
      (await api.request<J>("GET", `/v1/findings?app=${app}&status=open`, admin())).body.findings ?? [];
    expect(open.length).toBeGreaterThan(0);
    const target = open[0] as { ref: string };
    await api.request("PATCH", `/v1/findings/${target.ref}`, admin(), {
      status: "false_positive",
      reason: "not on the classpath",
    });

    const bom = await api.request<Record<string, unknown>>("GET", `/v1/apps/${app}/sbom`, admin());
    expect(bom.status).toBe(200);
    expect(bom.body).toMatchObject({
      bomFormat: "CycloneDX",
      specVersion: "1.6",
      metadata: { component: { name: app } },
    });
    expect(String(bom.body.serialNumber)).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    const components = bom.body.components as Array<{ purl?: string; "bom-ref": string }>;
    expect(components.map((c) => c.purl)).toContain("pkg:pypi/requests@2.25.0");
    const vulns = bom.body.vulnerabilities as Array<{
      "bom-ref": string;
      analysis: { state: string; detail?: string };
      affects?: Array<{ ref: string }>;
    }>;
    const fp = vulns.find((v) => v["bom-ref"] === target.ref);
    expect(fp?.analysis).toEqual({ state: "false_positive", detail: "not on the classpath" });
    expect(
      vulns.filter((v) => v["bom-ref"] !== target.ref).every((v) => v.analysis.state === "in_triage"),
    ).toBe(true);
    const refs = new Set(components.map((c) => c["bom-ref"]));
    for (const v of vulns) for (const a of v.affects ?? []) expect(refs.has(a.ref), a.ref).toBe(true);
  });
});

describe("the contract", () => {
  it("takes a catalog from an admin only, and a Jira delivery only when signed", async () => {
    const catalog = {
      documents: [
        {
          apiVersion: "backstage.io/v1alpha1",
          kind: "Component",
          metadata: {
            name: `catalog-${run}`,
            annotations: { "github.com/project-slug": `acme/catalog-${run}` },
          },
          spec: { type: "service", owner: "team-catalog", lifecycle: "production" },
        },
      ],
      source: `api-test-${run}`,
    };
    const reader = await token({ kind: "read", team: "*" }, "catalog-reader");
    expect((await api.request("PUT", "/v1/catalog", reader, catalog)).status).toBe(403);
    const pushed = await api.request<J>("PUT", "/v1/catalog", admin(), catalog);
    expect(pushed.status).toBe(200);
    expect(pushed.body).toMatchObject({ format: "backstage", components: 1 });
    expect((await api.request("PUT", "/v1/catalog", admin(), { documents: [] })).status).toBe(400);

    // Jira's webhook carries no bearer token: only the body's HMAC under the shared secret lets it in
    const delivery = { webhookEvent: "jira:issue_updated", issue: { key: `NOPE-${run}`, fields: {} } };
    const signature = (secret: string) =>
      `sha256=${createHmac("sha256", secret).update(JSON.stringify(delivery)).digest("hex")}`;
    const path = "/v1/integrations/jira/webhook";
    const headers = { "x-atlassian-webhook-identifier": `delivery-${run}` };
    const forged = await api.request("POST", path, undefined, delivery, {
      ...headers,
      "x-hub-signature": signature("not-the-secret"),
    });
    expect(forged.status).toBe(401);
    const signed = await api.request<J>("POST", path, undefined, delivery, {
      ...headers,
      "x-hub-signature": signature(stackEnv().jiraWebhookSecret),
    });
    expect(signed.status).toBe(200);
    // an issue aspm never filed changes nothing
    expect(signed.body).toMatchObject({ outcome: "ignored" });
  });

  it("serves an OpenAPI 3.1 document, and these tests reached every route of it", async () => {
    const doc = await api.request<J>("GET", "/v1/openapi.json", undefined);
    expect(doc.body.openapi).toBe("3.1.0");
    expect((await api.request<J>("GET", "/v1/me", admin())).body).toMatchObject({
      subject: "admin",
      scope: { kind: "admin" },
    });
    expect(api.unreached()).toEqual([]);
  });
});
