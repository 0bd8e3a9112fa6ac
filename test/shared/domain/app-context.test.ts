import { describe, expect, it } from "vitest";
import {
  AppContext,
  AppContextError,
  classifyApp,
  contextFor,
  DEFAULT_APP_CONTEXT,
} from "#shared/domain/app-context";
import { parseAppContextYaml } from "#shared/domain/app-context-yaml";

const CONTEXT_YAML = `
# the catalog may carry more than the risk engine reads
version: 2
apps:
  - id: payments-api
    criticality: critical
    exposure: internet
    data: pci
    environment: production
    controls: [waf]
    owner: team-payments
    repos: [org/payments-api]
  - id: intranet-wiki
    criticality: low
    exposure: internal
    data: none
    environment: production
  - id: new-thing
    criticality: extreme
    data: pii
  - id: legacy-batch
    criticality: High
    exposure: PUBLIC
    data: Health
    environment: prod
    controls: "RASP"
`;

describe("parseAppContextYaml", () => {
  const contexts = parseAppContextYaml(CONTEXT_YAML);

  it("reads every app, allowing extra keys at both levels, and takes the owner as the team", () => {
    expect([...contexts.keys()]).toEqual(["payments-api", "intranet-wiki", "new-thing", "legacy-batch"]);
    expect(contexts.get("payments-api")).toEqual({
      id: "payments-api",
      criticality: "critical",
      exposure: "internet",
      data: "pci",
      environment: "production",
      controls: ["waf"],
      unclassified: false,
      defaulted: [],
      team: "team-payments",
    });
    for (const context of contexts.values()) expect(AppContext.safeParse(context).success).toBe(true);
  });

  it("defaults unknown or missing values to the documented middle and flags the app unclassified", () => {
    expect(contexts.get("new-thing")).toEqual({
      id: "new-thing",
      criticality: DEFAULT_APP_CONTEXT.criticality,
      exposure: DEFAULT_APP_CONTEXT.exposure,
      data: "pii",
      environment: DEFAULT_APP_CONTEXT.environment,
      controls: [],
      unclassified: true,
      defaulted: ["criticality", "exposure", "environment"],
    });
  });

  it("accepts case and common aliases, and a single control as a string", () => {
    expect(contexts.get("legacy-batch")).toMatchObject({
      criticality: "high",
      exposure: "internet",
      data: "phi",
      environment: "production",
      controls: ["rasp"],
      unclassified: false,
    });
  });

  it("reads an empty file as no apps", () => {
    expect(parseAppContextYaml("").size).toBe(0);
    expect(parseAppContextYaml("# nothing yet\n").size).toBe(0);
    expect(parseAppContextYaml("apps: []").size).toBe(0);
  });

  it.each([
    ["apps:\n  - id: a\n  - id: a\n", /listed twice/],
    ["services: []", /apps/],
    ["apps: {id: a}", /apps/],
    ["apps:\n  - criticality: high\n", /apps\.0\.id/],
    ["apps: [\n", /not valid YAML/],
  ])("rejects %j with a clear error", (text, message) => {
    expect(() => parseAppContextYaml(text)).toThrow(AppContextError);
    expect(() => parseAppContextYaml(text)).toThrow(message);
  });

  it("does not expand alias bombs", () => {
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      ...Array.from(
        { length: 12 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
            .fill(`*${String.fromCharCode(97 + i)}`)
            .join(", ")}]`,
      ),
      "apps: []",
    ].join("\n");
    expect(() => parseAppContextYaml(bomb)).toThrow(AppContextError);
  });
});

describe("contextFor", () => {
  it("returns the catalog entry when there is one", () => {
    const contexts = parseAppContextYaml(CONTEXT_YAML);
    expect(contextFor("intranet-wiki", contexts).criticality).toBe("low");
  });

  it("returns the defaults, flagged unclassified, for an app nobody classified", () => {
    expect(contextFor("discovered-from-upload", new Map())).toEqual({
      id: "discovered-from-upload",
      ...DEFAULT_APP_CONTEXT,
      controls: [],
      unclassified: true,
      defaulted: ["criticality", "exposure", "data", "environment"],
    });
  });
});

describe("classifyApp", () => {
  it("maps an inventory record with optional fields", () => {
    const context = classifyApp("svc", {
      criticality: "high",
      exposure: undefined,
      controls: ["WAF", "waf", 3, ""],
    });
    expect(context.controls).toEqual(["waf"]);
    expect(context.defaulted).toEqual(["exposure", "data", "environment"]);
  });

  it("does not treat prototype keys as aliases", () => {
    expect(classifyApp("svc", { criticality: "constructor" }).defaulted).toContain("criticality");
  });
});
