import { describe, expect, it } from "vitest";
import {
  CatalogError,
  catalogBindings,
  mergeBindings,
  ownerRef,
  parseCatalogDocuments,
  repoSlug,
  sourceLocation,
} from "#shared/domain/catalog";
import { parseCatalog } from "#shared/domain/catalog-yaml";

const BACKSTAGE = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-api
  annotations:
    github.com/project-slug: Acme/payments-api
spec:
  type: service
  lifecycle: production
  owner: group:default/payments
  system: payments
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger
  annotations:
    backstage.io/source-location: url:https://github.com/acme/mono/tree/main/services/ledger/
    aspm.io/app: mono
spec:
  owner: ledger-team
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: Storefront
  annotations:
    gitlab.com/project-slug: web/shop/storefront
spec:
  system: web
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: payments-platform
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: web
spec:
  owner: group:web
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: payments
  annotations:
    github.com/team-slug: Acme/Payments-Team
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: payments-openapi
spec:
  owner: payments
`;

const OURS = `apps:
  - id: payments-api
    criticality: critical
    exposure: internet
    data: pci
    environment: production
    team: payments
    system: payments
    repos: [github.com/acme/payments-api]
  - id: mono
    team: platform
    repo: git@github.com:acme/mono.git
systems:
  - name: payments
    owner: payments-platform
components:
  - name: ledger
    app: mono
    path: ./services/ledger
    owner: ledger-team
  - name: orphan
    owner: nobody
groups:
  - name: payments
    aliases: ["@acme/payments-team"]
routing:
  default: { jira: { project: SEC } }
  teams:
    payments: { jira: { project: PAY, component: Payments } }
`;

describe("repo slugs and source locations", () => {
  it.each([
    ["acme/pay", "acme/pay"],
    ["Acme/Pay", "acme/pay"],
    ["github.com/acme/pay", "acme/pay"],
    ["https://github.com/acme/pay.git", "acme/pay"],
    ["https://token@github.com/acme/pay/", "acme/pay"],
    ["git@github.com:acme/pay.git", "acme/pay"],
    ["https://gitlab.com/group/sub/project", "group/sub/project"],
    ["pay", undefined],
    ["", undefined],
  ])("%s → %s", (raw, slug) => {
    expect(repoSlug(raw)).toBe(slug);
  });

  it("splits a tree URL into repo and sub-path, for GitHub and GitLab", () => {
    expect(sourceLocation("url:https://github.com/acme/mono/tree/main/services/ledger")).toEqual({
      repo: "acme/mono",
      path: "services/ledger/",
    });
    expect(sourceLocation("url:https://gitlab.com/g/sub/mono/-/tree/main/apps/web/")).toEqual({
      repo: "g/sub/mono",
      path: "apps/web/",
    });
    expect(sourceLocation("url:https://github.com/acme/pay/")).toEqual({ repo: "acme/pay" });
    expect(sourceLocation("url:https://github.com/acme/pay/tree/main")).toEqual({ repo: "acme/pay" });
  });

  it("reads Backstage owner references", () => {
    expect(ownerRef("group:default/payments")).toBe("payments");
    expect(ownerRef("payments")).toBe("payments");
    expect(ownerRef("group:payments")).toBe("payments");
    expect(ownerRef("user:default/jo")).toBe("user:jo");
    expect(ownerRef("group:finance/payments")).toBe("finance/payments");
  });
});

describe("parseCatalog: Backstage catalog-info.yaml", () => {
  const c = parseCatalog(BACKSTAGE);

  it("reads components with owner, system, apps and repos", () => {
    expect(c.format).toBe("backstage");
    expect(c.components).toEqual([
      {
        name: "payments-api",
        owner: "payments",
        system: "payments",
        apps: ["payments-api"],
        repos: ["acme/payments-api"],
      },
      {
        name: "ledger",
        owner: "ledger-team",
        apps: ["mono"],
        repos: ["acme/mono"],
        path: "services/ledger/",
      },
      { name: "Storefront", system: "web", apps: ["storefront"], repos: ["web/shop/storefront"] },
    ]);
  });

  it("reads systems and groups with their GitHub team slug", () => {
    expect(c.systems).toEqual([
      { name: "payments", owner: "payments-platform" },
      { name: "web", owner: "web" },
    ]);
    expect(c.groups).toEqual([{ name: "payments", aliases: ["@acme/payments-team"] }]);
  });

  it("warns about kinds it does not use instead of failing", () => {
    expect(c.warnings).toEqual(["document 7: kind API is not used for ownership"]);
  });

  it("warns about a document that is not an entity", () => {
    const odd = parseCatalog(`${BACKSTAGE}---\napiVersion: backstage.io/v1alpha1\nkind: Component\n`);
    expect(odd.warnings.at(-1)).toMatch(/^document 8: not a Backstage entity \(metadata: /);
  });
});

describe("parseCatalog: our YAML", () => {
  const c = parseCatalog(OURS);

  it("reads apps with team, system and repos, and keeps their classification", () => {
    expect(c.format).toBe("aspm");
    expect(c.apps).toEqual([
      { id: "payments-api", team: "payments", system: "payments", repos: ["acme/payments-api"] },
      { id: "mono", team: "platform", repos: ["acme/mono"] },
    ]);
    expect(c.contexts.get("payments-api")).toMatchObject({ criticality: "critical", unclassified: false });
    expect(c.contexts.get("mono")?.unclassified).toBe(true);
  });

  it("reads components with a normalized path and skips those that own nothing", () => {
    expect(c.components).toEqual([
      { name: "ledger", owner: "ledger-team", apps: ["mono"], repos: [], path: "services/ledger/" },
    ]);
    expect(c.warnings).toEqual(["component orphan: names neither an app nor a repo, so it owns nothing"]);
  });

  it("reads groups, systems and the routing section", () => {
    expect(c.groups).toEqual([{ name: "payments", aliases: ["@acme/payments-team"] }]);
    expect(c.systems).toEqual([{ name: "payments", owner: "payments-platform" }]);
    expect(c.routing?.teams.payments?.jira).toEqual({ project: "PAY", component: "Payments" });
  });

  it("rejects invalid YAML, invalid fields and bad routing with the place", () => {
    expect(() => parseCatalog("apps: [")).toThrow(/not valid YAML/);
    expect(() => parseCatalog("systems: [{owner: x}]")).toThrow(/catalog: systems\.0\.name/);
    expect(() => parseCatalog("routing: { teams: { a: { jira: { project: lower } } } }")).toThrow(
      /routing: teams\.a\.jira\.project: Jira project keys/,
    );
    expect(() => parseCatalog("apps:\n  - id: a\n  - id: a\n")).toThrow(/listed twice/);
    expect(() => parseCatalog("a: 1\n---\nb: 2\n")).toThrow(/one YAML document/);
  });

  it("reads the same documents as JSON, as the API receives them", () => {
    const docs = [{ apps: [{ id: "a", team: "t" }], routing: { teams: { t: { jira: { project: "TT" } } } } }];
    expect(parseCatalogDocuments(docs).apps).toEqual([{ id: "a", team: "t", repos: [] }]);
    expect(() => parseCatalogDocuments([{ a: 1 }, { b: 2 }])).toThrow(/one YAML document/);
  });

  it("refuses a catalog over the size limit", () => {
    expect(() => parseCatalog(`# ${"x".repeat(4_000_001)}`)).toThrow(CatalogError);
  });
});

describe("catalogBindings", () => {
  const both = (() => {
    const b = parseCatalog(BACKSTAGE);
    const o = parseCatalog(OURS);
    return {
      components: [...b.components, ...o.components],
      systems: [...b.systems, ...o.systems],
      groups: [...b.groups, ...o.groups],
      apps: [...b.apps, ...o.apps],
    };
  })();
  const { byApp, byRepo, aliases } = catalogBindings(both);

  it("binds components by app id and by repo, with the owners of their systems", () => {
    expect(byApp.get("payments-api")).toEqual({
      components: [both.components[0]],
      systemOwners: { payments: "payments-platform" },
      appSystem: "payments",
    });
    expect(byRepo.get("acme/mono")?.components.map((c) => c.name)).toEqual(["ledger"]);
    // bound twice (Backstage's aspm.io/app and our component), and via our app's repo: one component
    expect(byApp.get("mono")?.components.map((c) => c.name)).toEqual(["ledger"]);
    expect(byApp.get("storefront")?.systemOwners).toEqual({ web: "web" });
  });

  it("maps CODEOWNERS handles to groups", () => {
    expect(aliases).toEqual({ "@acme/payments-team": "payments" });
  });

  it("merges an app's bindings without repeating a component", () => {
    const merged = mergeBindings([
      byApp.get("mono") ?? { components: [], systemOwners: {} },
      byRepo.get("acme/mono") ?? { components: [], systemOwners: {} },
    ]);
    expect(merged.components.map((c) => `${c.name}:${c.path}`)).toEqual(["ledger:services/ledger/"]);
  });
});
