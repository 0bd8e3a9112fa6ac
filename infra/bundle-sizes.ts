import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** DESIGN §11: each Lambda bundle ≤ 1 MB minified (decimal megabyte, the stricter reading). */
export const BUNDLE_BUDGET_BYTES = 1_000_000;

export interface BundleSize {
  /** Construct path of the function, e.g. `AspmStack/Ingest/Normalize/Function/Resource`. */
  path: string;
  /** The staged asset folder in the cloud assembly. */
  asset: string;
  /** The handler module (index.mjs), minified. */
  bytes: number;
  /** Its source map, shipped beside it but not loaded unless an error is mapped. */
  mapBytes: number;
}

interface TemplateResource {
  Type: string;
  Properties?: { Code?: { S3Key?: unknown } };
  Metadata?: Record<string, unknown>;
}

/**
 * Sizes of the Lambda bundles of one synthesized template, read from the cloud assembly it was
 * written to (`cdk.out` for `cdk synth`, a temp dir in tests): no second synthesis needed.
 */
export function bundleSizes(assemblyDir: string, template: { Resources?: Record<string, TemplateResource> }) {
  const sizes: BundleSize[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== "AWS::Lambda::Function") continue;
    const key = resource.Properties?.Code?.S3Key;
    if (typeof key !== "string") continue; // inline code: no bundle
    const asset = `asset.${key.replace(/\.zip$/, "")}`;
    const dir = join(assemblyDir, asset);
    const entry = ["index.mjs", "index.js"].map((f) => join(dir, f)).find((f) => existsSync(f));
    if (!entry) throw new Error(`${logicalId}: no index.mjs in ${dir} (${readdirSafe(dir)})`);
    const map = `${entry}.map`;
    sizes.push({
      path: String(resource.Metadata?.["aws:cdk:path"] ?? logicalId),
      asset,
      bytes: statSync(entry).size,
      mapBytes: existsSync(map) ? statSync(map).size : 0,
    });
  }
  return sizes;
}

function readdirSafe(dir: string): string {
  try {
    return readdirSync(dir).join(", ") || "empty";
  } catch {
    return "missing";
  }
}

/** Every stack template of an assembly, by artifact id, from its manifest. */
export function assemblyTemplates(
  assemblyDir: string,
): Record<string, { Resources?: Record<string, TemplateResource> }> {
  const manifest = JSON.parse(readFileSync(join(assemblyDir, "manifest.json"), "utf8")) as {
    artifacts?: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  const templates: Record<string, { Resources?: Record<string, TemplateResource> }> = {};
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    const file = artifact.properties?.templateFile;
    if (artifact.type === "aws:cloudformation:stack" && file)
      templates[id] = JSON.parse(readFileSync(join(assemblyDir, file), "utf8"));
  }
  return templates;
}
