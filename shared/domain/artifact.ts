import { normalizePath } from "./path.ts";

/**
 * The scanned artifact a report names (an image, a lock file, a site), as part of its scope. It must
 * name the same thing on every rescan, so what changes between builds is dropped: an image's tag
 * and digest, a URL's path, a path's `./`. It comes from the report's own header, never from its
 * findings: a clean run has none and must still land in (and resolve) the same scope.
 */

const MAX_ARTIFACT = 300;

/** `registry:5000/team/app:1.2@sha256:…` → `registry:5000/team/app`; lower-cased like registries do. */
export function imageArtifact(ref: string | undefined): string | undefined {
  let name = ref?.trim();
  if (!name) return undefined;
  name = name.replace(/@[a-z0-9]+:[0-9a-f]+$/i, "");
  // a tag is a `:` after the last `/` (before it, a `:` is a registry port)
  const lastSlash = name.lastIndexOf("/");
  const colon = name.indexOf(":", lastSlash + 1);
  if (colon >= 0) name = name.slice(0, colon);
  name = name.replace(/^docker\.io\/(library\/)?/i, "").replace(/^index\.docker\.io\/(library\/)?/i, "");
  return bounded(name.toLowerCase());
}

/**
 * A file, directory or repository as scanned: `./app/package-lock.json` → `app/package-lock.json`;
 * `.` is the checkout itself (no artifact beyond the upload's target); a repository URL keeps its
 * path but loses credentials, query and fragment.
 */
export function pathArtifact(path: string | undefined): string | undefined {
  const trimmed = path?.trim();
  if (!trimmed) return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) && !/^file:/i.test(trimmed)) {
    try {
      const url = new URL(trimmed);
      return bounded(`${url.protocol}//${url.host}${url.pathname}`.replace(/\/+$/, "").toLowerCase());
    } catch {
      return bounded(trimmed);
    }
  }
  const normalized = normalizePath(trimmed).replace(/\/+$/, "");
  return normalized === "" || normalized === "." ? undefined : bounded(normalized);
}

/** A site: scheme, host and port (`https://shop.example:8443/cart?id=1` → `https://shop.example:8443`). */
export function urlArtifact(url: string | undefined): string | undefined {
  const trimmed = url?.trim();
  if (!trimmed) return undefined;
  try {
    const origin = new URL(trimmed).origin;
    return origin === "null" ? bounded(trimmed) : bounded(origin.toLowerCase());
  } catch {
    return bounded(trimmed.toLowerCase());
  }
}

function bounded(value: string): string | undefined {
  return value ? value.slice(0, MAX_ARTIFACT) : undefined;
}
