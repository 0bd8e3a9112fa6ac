import { describe, expect, it } from "vitest";
import type { OwnershipBinding } from "#shared/domain/catalog";
import { parseCodeOwners } from "#shared/domain/codeowners";
import { ownershipResolver, teamOfOwners } from "#shared/domain/ownership";
import {
  assigneeEmails,
  digestAudiences,
  ownerLabel,
  parseRoutingSection,
  resolveTicketRoute,
} from "#shared/domain/routing";

const binding: OwnershipBinding = {
  components: [
    { name: "mono", owner: "platform", apps: ["mono"], repos: [] },
    { name: "ledger", owner: "ledger-team", apps: ["mono"], repos: [], path: "services/ledger/" },
    { name: "billing", system: "payments", apps: ["mono"], repos: [], path: "services/billing/" },
    { name: "ledger-api", owner: "ledger-api-team", apps: ["mono"], repos: [], path: "services/ledger/api/" },
  ],
  systemOwners: { payments: "payments-platform" },
};

describe("ownershipResolver precedence", () => {
  const codeowners = parseCodeOwners(
    "* @acme/everyone\n/services/ @acme/payments-team\n/services/ledger/ \n*.tf @infra\n",
  );
  const full = ownershipResolver({
    codeowners,
    binding,
    aliases: { "@acme/payments-team": "payments" },
    appTeam: "app-team",
  });

  it("puts a triage override first", () => {
    expect(full({ file: "services/x.ts", triageOwner: "sre" })).toEqual({ owner: "sre", source: "triage" });
  });

  it("then CODEOWNERS, with handles mapped through catalog groups", () => {
    expect(full({ file: "services/x.ts" })).toEqual({ owner: "payments", source: "codeowners" });
    expect(full({ file: "README.md" })).toEqual({ owner: "everyone", source: "codeowners" });
    expect(full({ file: "infra/main.tf" })).toEqual({ owner: "infra", source: "codeowners" });
  });

  it("falls through to the catalog when the last CODEOWNERS match names nobody", () => {
    expect(full({ file: "services/ledger/api/h.go" })).toEqual({
      owner: "ledger-api-team",
      source: "catalog-component",
    });
    expect(full({ file: "services/ledger/db.go" })).toEqual({
      owner: "ledger-team",
      source: "catalog-component",
    });
  });

  const catalogOnly = ownershipResolver({ binding, appTeam: "app-team" });

  it("uses the most specific component path, then the whole-repo component", () => {
    expect(catalogOnly({ file: "services/ledger/api/h.go" }).owner).toBe("ledger-api-team");
    expect(catalogOnly({ file: "./services/ledger/x.go" }).owner).toBe("ledger-team");
    expect(catalogOnly({ file: "docs/x.md" })).toEqual({ owner: "platform", source: "catalog-component" });
    expect(catalogOnly({})).toEqual({ owner: "platform", source: "catalog-component" });
  });

  it("uses the system owner when the component has no owner", () => {
    expect(catalogOnly({ file: "services/billing/pay.ts" })).toEqual({
      owner: "payments-platform",
      source: "catalog-system",
    });
  });

  it("uses the app's system when no component matches", () => {
    const r = ownershipResolver({
      binding: { components: [], systemOwners: { web: "web-platform" }, appSystem: "web" },
      appTeam: "storefront-team",
    });
    expect(r({ file: "x.js" })).toEqual({ owner: "web-platform", source: "catalog-system" });
  });

  it("then the app team, then unowned", () => {
    expect(ownershipResolver({ appTeam: "web" })({ file: "a.js" })).toEqual({ owner: "web", source: "app" });
    expect(ownershipResolver({})({ file: "a.js" })).toEqual({ owner: "unowned", source: "none" });
    const pathOnly = ownershipResolver({
      binding: { components: binding.components.filter((c) => c.name === "ledger"), systemOwners: {} },
    });
    expect(pathOnly({ file: "elsewhere.go" })).toEqual({ owner: "unowned", source: "none" });
    expect(pathOnly({})).toEqual({ owner: "unowned", source: "none" });
  });

  it("maps CODEOWNERS owners: the first known one, else the first, without @ and org", () => {
    expect(teamOfOwners(["@jo", "@Acme/Payments-Team"], { "@acme/payments-team": "payments" })).toBe(
      "payments",
    );
    expect(teamOfOwners(["@acme/web", "@jo"])).toBe("web");
    expect(teamOfOwners(["@jo"])).toBe("jo");
    expect(teamOfOwners(["dev@acme.example"])).toBe("dev@acme.example");
    expect(teamOfOwners([])).toBe("unowned");
  });
});

describe("routing rules", () => {
  const rules = parseRoutingSection({
    default: { jira: { project: "SEC", labels: ["security"] } },
    triage: { jira: { project: "TRIAGE", component: "Intake" }, slack: "#sec-triage" },
    leaders: { slack: "#security-leads", email: "ciso@acme.example" },
    teams: {
      payments: {
        jira: { project: "PAY", component: "Payments", assignee: "Lead@Acme.example", labels: ["pci"] },
        slack: "#payments-eng",
        email: ["pay-leads@acme.example", "pay-sec@acme.example"],
      },
      web: { jira: { component: "Frontend", assignee: "5b10ac8d82e05b22cc7d4ef5" } },
      quiet: {},
    },
  });

  it("routes a team to its project, component and labels, with the owner label", () => {
    expect(resolveTicketRoute(rules, "payments", "FALLBACK", { "lead@acme.example": "acc-1" })).toEqual({
      project: "PAY",
      component: "Payments",
      assigneeAccountId: "acc-1",
      labels: ["security", "pci", "aspm-owner-payments"],
    });
  });

  it("keeps an unresolved assignee email for the tracker to resolve", () => {
    expect(resolveTicketRoute(rules, "payments", "FALLBACK").assigneeEmail).toBe("Lead@Acme.example");
  });

  it("takes the project from default when the team names none, and an account id as is", () => {
    expect(resolveTicketRoute(rules, "web", "FALLBACK")).toEqual({
      project: "SEC",
      component: "Frontend",
      assigneeAccountId: "5b10ac8d82e05b22cc7d4ef5",
      labels: ["security", "aspm-owner-web"],
    });
  });

  it("matches team names case-insensitively when there is no exact rule", () => {
    expect(resolveTicketRoute(rules, "Payments", "X").project).toBe("PAY");
  });

  it("sends unowned work to the triage project", () => {
    expect(resolveTicketRoute(rules, "unowned", "FALLBACK")).toEqual({
      project: "TRIAGE",
      component: "Intake",
      labels: ["security", "aspm-owner-unowned"],
    });
  });

  it("uses default for unknown teams, and the fallback project without rules", () => {
    expect(resolveTicketRoute(rules, "mystery", "FALLBACK").project).toBe("SEC");
    expect(resolveTicketRoute(undefined, "mystery", "FALLBACK")).toEqual({
      project: "FALLBACK",
      labels: ["aspm-owner-mystery"],
    });
  });

  it("makes owner labels Jira-safe", () => {
    expect(ownerLabel("web team/α")).toBe("aspm-owner-web-team-");
  });

  it("lists assignee emails once, lower-cased", () => {
    expect(assigneeEmails(rules)).toEqual(["lead@acme.example"]);
  });

  it("lists digest audiences: leaders, triage, then teams with a channel or list", () => {
    expect(digestAudiences(rules)).toEqual([
      { kind: "leaders", id: "org", slack: "#security-leads", email: ["ciso@acme.example"] },
      { kind: "team", id: "unowned", slack: "#sec-triage" },
      {
        kind: "team",
        id: "payments",
        slack: "#payments-eng",
        email: ["pay-leads@acme.example", "pay-sec@acme.example"],
      },
    ]);
    expect(digestAudiences(undefined)).toEqual([]);
  });

  it("rejects bad labels, emails and project keys", () => {
    expect(() => parseRoutingSection({ teams: { a: { jira: { labels: ["has space"] } } } })).toThrow(
      /spaces/,
    );
    expect(() => parseRoutingSection({ leaders: { email: ["nope"] } })).toThrow(/leaders\.email/);
    expect(() => parseRoutingSection({ default: { jira: { project: "1AB" } } })).toThrow(/project/);
  });
});
