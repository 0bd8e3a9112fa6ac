import { describe, expect, it } from "vitest";
import { parseReport } from "#shared/parsers/registry";
import { spdxJson } from "#shared/parsers/spdx-json";
import { readFixture } from "#test/support/corpus";
import { parseFixtureWith } from "#test/support/parser-fixtures";

const CTX = { secretSalt: "test" };

describe("spdx-json", () => {
  it("lists the packages as components with their purls, without the described root, and no findings", () => {
    const report = parseFixtureWith(spdxJson, "spdx-json/syft-2.3.json", CTX);
    expect(report.tool).toEqual({ name: "syft", version: "1.18.1" });
    expect(report.findings).toEqual([]);
    expect(report.components).toEqual([
      {
        name: "log4j-core",
        purl: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
        ecosystem: "maven",
        version: "2.14.1",
      },
      { name: "lodash", purl: "pkg:npm/lodash@4.17.21", ecosystem: "npm", version: "4.17.21" },
      { name: "vendored-helper", version: "0.3" },
    ]);
  });

  it("reads SPDX 2.2 (documentDescribes, Trivy's creators) and an SBOM of nothing", () => {
    const trivy = parseFixtureWith(spdxJson, "spdx-json/spdx-2.2-trivy.json", CTX);
    expect(trivy.tool).toEqual({ name: "trivy", version: "0.37.3" });
    // the image the document describes is the app, not one of its components
    expect(trivy.components).toEqual([
      {
        name: "openssl",
        purl: "pkg:apk/alpine/openssl@3.0.8-r0?distro=3.17.2",
        ecosystem: "apk",
        version: "3.0.8-r0",
      },
    ]);
    const empty = parseFixtureWith(spdxJson, "spdx-json/empty-directory-2.3.json", CTX);
    expect(empty.findings).toEqual([]);
    expect(empty.components ?? []).toEqual([]);
  });

  it("is detected from content and carries its components through the registry", () => {
    const report = parseReport(readFixture("parsers/spdx-json/syft-2.3.json"), CTX);
    expect(report.format).toBe("spdx-json");
    expect(report.count).toBe(0);
    expect(report.components).toHaveLength(3);
  });

  it("rejects a package without a name with the path of the problem", () => {
    const bad = Buffer.from(
      JSON.stringify({ spdxVersion: "SPDX-2.3", SPDXID: "SPDXRef-DOCUMENT", packages: [{ SPDXID: "x" }] }),
    );
    expect(() => parseReport(bad, CTX)).toThrow(/packages\[0\]\.name/);
  });

  it("leaves SPDX 3 (JSON-LD) and CycloneDX to other readers", () => {
    const spdx3 = {
      syntax: "json" as const,
      value: { "@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": [] },
    };
    expect(spdxJson.detect(spdx3)).toBe(false);
    expect(spdxJson.detect({ syntax: "json", value: { bomFormat: "CycloneDX", specVersion: "1.6" } })).toBe(
      false,
    );
  });
});
