import { collectCwes } from "#shared/domain/cwe";
import { LIMITS, type Location, type NormalizedFinding, type PackageRef } from "#shared/domain/finding";
import { normalizePath } from "#shared/domain/path";
import { canonicalVulnId } from "#shared/domain/vulnerability-id";

/** What a parser fills in: the finding with its lists optional and no bounds to worry about. */
export type FindingDraft = Omit<
  NormalizedFinding,
  "cwes" | "fingerprints" | "references" | "tags" | "location" | "package"
> & {
  cwes?: Array<string | number | null | undefined>;
  fingerprints?: Record<string, string | undefined>;
  references?: Array<string | undefined>;
  tags?: Array<string | undefined>;
  location?: Location;
  package?: Omit<PackageRef, "fixedVersions"> & { fixedVersions?: string[] };
};

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function clipOptional(text: string | undefined, max: number): string | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  return trimmed ? clip(trimmed, max) : undefined;
}

function uniqueClipped(values: Iterable<string | undefined>, maxItems: number, maxLength: number): string[] {
  const out = new Set<string>();
  for (const value of values) {
    if (out.size >= maxItems) break;
    const v = value?.trim();
    if (v) out.add(clip(v, maxLength));
  }
  return [...out];
}

function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as Array<keyof T>) {
    if (value[key] === undefined) delete value[key];
  }
  return value;
}

/**
 * Bounds every field, normalizes paths, CWE and vulnerability ids, and drops empty optionals, so
 * each parser states only what its tool said.
 */
export function makeFinding(draft: FindingDraft): NormalizedFinding {
  const location: Location = dropUndefined({
    ...draft.location,
    file: draft.location?.file ? clip(normalizePath(draft.location.file), LIMITS.path) : undefined,
    url: clipOptional(draft.location?.url, LIMITS.url),
    parameter: clipOptional(draft.location?.parameter, LIMITS.shortText),
    resource: clipOptional(draft.location?.resource, LIMITS.path),
    image: clipOptional(draft.location?.image, LIMITS.path),
    method: draft.location?.method?.toUpperCase(),
  });
  if (
    location.startLine !== undefined &&
    location.endLine !== undefined &&
    location.endLine < location.startLine
  ) {
    location.endLine = location.startLine;
  }
  const fingerprints: Record<string, string> = {};
  for (const [key, value] of Object.entries(draft.fingerprints ?? {})) {
    if (value) fingerprints[clip(key, 100)] = clip(value, LIMITS.shortText);
  }
  const vulnerability = draft.vulnerability
    ? (() => {
        const id = canonicalVulnId(draft.vulnerability.id);
        const aliases = uniqueClipped(
          draft.vulnerability.aliases.map(canonicalVulnId),
          LIMITS.ids,
          200,
        ).filter((a) => a !== id);
        return { id, aliases };
      })()
    : undefined;
  const pkg: PackageRef | undefined = draft.package
    ? dropUndefined({
        ...draft.package,
        name: clip(draft.package.name, LIMITS.path),
        manifest: draft.package.manifest
          ? clip(normalizePath(draft.package.manifest), LIMITS.path)
          : undefined,
        fixedVersions: uniqueClipped(draft.package.fixedVersions ?? [], LIMITS.fixedVersions, 200),
      })
    : undefined;
  return dropUndefined({
    ...draft,
    tool: dropUndefined({ name: clip(draft.tool.name, 100), version: clipOptional(draft.tool.version, 100) }),
    rule: dropUndefined({
      id: clip(draft.rule.id, LIMITS.shortText),
      name: clipOptional(draft.rule.name, LIMITS.shortText),
    }),
    title: clip(draft.title.trim() || draft.rule.id, LIMITS.title),
    description: clipOptional(draft.description, LIMITS.description),
    rawSeverity: clipOptional(draft.rawSeverity, 100),
    remediation: clipOptional(draft.remediation, LIMITS.description),
    toolId: clipOptional(draft.toolId, LIMITS.shortText),
    cwes: collectCwes(draft.cwes ?? []).slice(0, LIMITS.ids),
    fingerprints,
    references: uniqueClipped(draft.references ?? [], LIMITS.references, LIMITS.url),
    tags: uniqueClipped(draft.tags ?? [], LIMITS.ids, 100),
    location,
    package: pkg,
    vulnerability,
  });
}
