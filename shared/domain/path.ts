/**
 * Paths as correlation sees them: forward slashes, no `./`, no `file://`, no drive letter,
 * case kept. Windows and Linux runners of the same repo then agree.
 */
const cache = new Map<string, string>();
const CACHE_LIMIT = 20_000;

/** Anything normalization would change: backslashes, `//`, `./`, `file:`, drive letters, edge blanks. */
const NEEDS_WORK = /\\|\/\/|(^|\/)\.\/|^file:|^[A-Za-z]:|^\s|\s$/i;

export function normalizePath(raw: string): string {
  if (!NEEDS_WORK.test(raw)) return raw;
  // reports repeat the same few thousand paths across many results
  const cached = cache.get(raw);
  if (cached !== undefined) return cached;
  const normalized = normalizeUncached(raw);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(raw, normalized);
  return normalized;
}

function normalizeUncached(raw: string): string {
  let path = raw.trim();
  if (/^file:\/\//i.test(path)) {
    path = path.replace(/^file:\/\/(localhost)?/i, "");
    try {
      path = decodeURIComponent(path);
    } catch {
      // keep the undecoded form: a stray % is not worth failing a report over
    }
  }
  path = path.replace(/\\/g, "/");
  path = path.replace(/^\/?[A-Za-z]:\//, "/");
  path = path.replace(/\/{2,}/g, "/");
  while (path.startsWith("./")) path = path.slice(2);
  while (path.includes("/./")) path = path.replace(/\/\.\//g, "/");
  return path;
}

/**
 * Makes absolute paths repo-relative when the repo root is known or guessable: strips the given root,
 * else the common CI checkout prefixes (`/github/workspace/`, `/builds/<group>/<project>/`, `/src/`).
 */
export function repoRelative(path: string, root?: string): string {
  const normalized = normalizePath(path);
  if (root) {
    const prefix = `${normalizePath(root).replace(/\/$/, "")}/`;
    if (normalized.startsWith(prefix)) return normalized.slice(prefix.length);
  }
  const ci =
    /^\/(?:github\/workspace|home\/runner\/work\/[^/]+\/[^/]+|builds\/[^/]+\/[^/]+|workspace|src|app|code)\//;
  return normalized.replace(ci, "");
}
