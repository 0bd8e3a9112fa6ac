import { describe, expect, it } from "vitest";
import { imageArtifact, pathArtifact, urlArtifact } from "#shared/domain/artifact";
import { legacyScopeIdOf, reportKindOf, scopeIdOf } from "#shared/domain/scan";
import { parseReport } from "#shared/parsers/registry";

/** Scope derivation per format family: what a report names as its artifact, and the scope that makes. */

const ctx = { secretSalt: "salt" };
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

function scopeOf(bytes: Buffer, format?: string) {
  const report = parseReport(bytes, ctx, format);
  return {
    artifact: report.artifact,
    scopeId: scopeIdOf({
      appId: "shop",
      toolName: report.tool.name,
      format: report.format,
      artifact: report.artifact,
      target: "default",
      branch: "main",
    }),
  };
}

const trivyImage = (name: string) =>
  json({
    SchemaVersion: 2,
    ArtifactName: name,
    ArtifactType: "container_image",
    Results: [{ Target: `${name} (alpine 3.19.1)`, Class: "os-pkgs", Type: "alpine", Vulnerabilities: [] }],
  });

const trivyCycloneDx = (name: string) =>
  json({
    bomFormat: "CycloneDX",
    specVersion: "1.5",
    metadata: {
      tools: { components: [{ name: "trivy", version: "0.50.0" }] },
      component: { type: "container", name, "bom-ref": "root" },
    },
    components: [],
    vulnerabilities: [],
  });

describe("artifact names", () => {
  it("drops an image's tag, digest and Docker Hub prefix, keeps its registry port", () => {
    expect(imageArtifact("shop/api:1.2.3")).toBe("shop/api");
    expect(imageArtifact("registry.local:5000/shop/api:2@sha256:abc123")).toBe(
      "registry.local:5000/shop/api",
    );
    expect(imageArtifact("docker.io/library/alpine:3.19")).toBe("alpine");
    expect(imageArtifact("")).toBeUndefined();
  });

  it("normalizes paths and URLs, and reads the checkout itself as no artifact", () => {
    expect(pathArtifact("./app/package-lock.json")).toBe("app/package-lock.json");
    expect(pathArtifact("app\\yarn.lock")).toBe("app/yarn.lock");
    expect(pathArtifact(".")).toBeUndefined();
    expect(pathArtifact("https://user:pw@github.com/Acme/Shop.git?x=1")).toBe(
      "https://github.com/acme/shop.git",
    );
    expect(urlArtifact("https://Shop.example:8443/cart?id=1")).toBe("https://shop.example:8443");
  });
});

describe("scopes per format family", () => {
  it("a Trivy image report and a Trivy CycloneDX SBOM of one image are two scopes", () => {
    const image = scopeOf(trivyImage("shop/api:1.0"));
    const sbom = scopeOf(trivyCycloneDx("shop/api:1.0"));
    expect(image.artifact).toBe("shop/api");
    expect(sbom.artifact).toBe("shop/api");
    expect(image.scopeId).not.toBe(sbom.scopeId);
  });

  it("a rescan of the next tag of an image is the same scope; another image is another", () => {
    expect(scopeOf(trivyImage("shop/api:1.0")).scopeId).toBe(scopeOf(trivyImage("shop/api:1.1")).scopeId);
    expect(scopeOf(trivyImage("shop/api:1.0")).scopeId).not.toBe(scopeOf(trivyImage("shop/web:1.0")).scopeId);
  });

  it("names the lock file or directory Trivy fs, Snyk and Grype scanned", () => {
    const fs = scopeOf(json({ SchemaVersion: 2, ArtifactName: "services/api", ArtifactType: "filesystem" }));
    expect(fs.artifact).toBe("services/api");
    const snyk = scopeOf(
      json({
        vulnerabilities: [],
        ok: true,
        packageManager: "npm",
        displayTargetFile: "web/package-lock.json",
        projectName: "web",
        path: "/src",
      }),
    );
    expect(snyk.artifact).toBe("web/package-lock.json");
    const grype = scopeOf(
      json({
        matches: [],
        source: { type: "image", target: { userInput: "shop/api:3" } },
        descriptor: { name: "grype", version: "0.74.0" },
      }),
    );
    expect(grype.artifact).toBe("shop/api");
  });

  it("a CycloneDX BOM of a package is scoped by its version-less purl", () => {
    const bom = (version: string) =>
      json({
        bomFormat: "CycloneDX",
        specVersion: "1.5",
        metadata: {
          component: {
            type: "library",
            name: "examiner",
            version,
            purl: `pkg:maven/io.github/examiner@${version}?type=jar`,
          },
        },
      });
    expect(scopeOf(bom("1.0")).artifact).toBe("pkg:maven/io.github/examiner");
    expect(scopeOf(bom("1.0")).scopeId).toBe(scopeOf(bom("1.1")).scopeId);
  });

  it("SARIF runs are scoped by their analysis category, not by the run instance", () => {
    const log = (id?: string) =>
      json({
        version: "2.1.0",
        runs: [
          { tool: { driver: { name: "CodeQL" } }, results: [], ...(id ? { automationDetails: { id } } : {}) },
        ],
      });
    expect(scopeOf(log("backend/run-41")).artifact).toBe("backend");
    expect(scopeOf(log("backend/run-41")).scopeId).toBe(scopeOf(log("backend/run-42")).scopeId);
    expect(scopeOf(log("frontend/run-1")).scopeId).not.toBe(scopeOf(log("backend/run-1")).scopeId);
    // an id without `/` is all run instance: no category
    expect(scopeOf(log("run-41")).artifact).toBeUndefined();
    expect(scopeOf(log("run-41")).scopeId).toBe(scopeOf(log()).scopeId);
  });

  it("a clean run names its artifact too, so it lands in (and resolves) the same scope", () => {
    const findings = json({
      SchemaVersion: 2,
      ArtifactName: "shop/api:1.0",
      ArtifactType: "container_image",
      Results: [
        {
          Target: "shop/api:1.0 (alpine 3.19.1)",
          Class: "os-pkgs",
          Type: "alpine",
          Vulnerabilities: [
            {
              VulnerabilityID: "CVE-2024-1",
              PkgName: "openssl",
              InstalledVersion: "3.0.0",
              Severity: "HIGH",
            },
          ],
        },
      ],
    });
    expect(parseReport(findings, ctx).count).toBe(1);
    expect(scopeOf(findings).scopeId).toBe(scopeOf(trivyImage("shop/api:1.1")).scopeId);
  });

  it("one kind per format family: a tool's JSON and XML output replace each other", () => {
    expect(reportKindOf("cyclonedx-json")).toBe(reportKindOf("cyclonedx-xml"));
    expect(reportKindOf("zap-json")).toBe(reportKindOf("zap-xml"));
    expect(reportKindOf("trivy-json")).not.toBe(reportKindOf("cyclonedx-json"));
    expect(reportKindOf("sarif")).toBe("sarif");
  });

  it("the legacy id, which a same-kind scan adopts, is never a new-style id", () => {
    const key = { appId: "shop", toolName: "Trivy", format: "trivy-json", target: "default", branch: "main" };
    expect(legacyScopeIdOf("shop", "Trivy", "default", "main")).toBe(
      legacyScopeIdOf("shop", "trivy", "default", "main"),
    );
    expect(scopeIdOf(key)).not.toBe(legacyScopeIdOf("shop", "Trivy", "default", "main"));
  });
});
