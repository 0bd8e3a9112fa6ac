/**
 * Orders package versions well enough to pick the smallest version that fixes every member of a
 * ticket group: numeric segments compare as numbers, pre-releases (`-rc1`, `-beta`) sort before the
 * release, Debian/RPM epochs (`1:`) first. Not a full per-ecosystem implementation; it only has to
 * agree with the ecosystems on ordinary release numbers.
 */
function split(version: string): { epoch: number; parts: Array<number | string>; pre: string } {
  let v = version.trim().replace(/^v/i, "");
  let epoch = 0;
  const epochMatch = /^(\d+):(.*)$/.exec(v);
  if (epochMatch?.[1] && epochMatch[2] !== undefined) {
    epoch = Number(epochMatch[1]);
    v = epochMatch[2];
  }
  const dash = v.search(/-(?=[A-Za-z])/);
  const pre = dash >= 0 ? v.slice(dash + 1) : "";
  const main = dash >= 0 ? v.slice(0, dash) : v;
  const parts = main.split(/[.+_~-]/).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  return { epoch, parts, pre };
}

export function compareVersions(a: string, b: string): number {
  const x = split(a);
  const y = split(b);
  if (x.epoch !== y.epoch) return x.epoch - y.epoch;
  const n = Math.max(x.parts.length, y.parts.length);
  for (let i = 0; i < n; i++) {
    const p = x.parts[i] ?? 0;
    const q = y.parts[i] ?? 0;
    if (p === q) continue;
    if (typeof p === "number" && typeof q === "number") return p - q;
    return String(p).localeCompare(String(q));
  }
  if (x.pre && !y.pre) return -1;
  if (!x.pre && y.pre) return 1;
  // SemVer §11.4: dot-separated identifiers, numeric ones compared as numbers and below alphanumeric ones
  const left = x.pre.split(".");
  const right = y.pre.split(".");
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const p = left[i];
    const q = right[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn) return Number(p) - Number(q);
    if (pn) return -1;
    if (qn) return 1;
    return p < q ? -1 : 1;
  }
  return 0;
}

/** The lowest of the versions given (a member's earliest fix), or undefined for none. */
export function lowestVersion(versions: readonly string[]): string | undefined {
  return [...versions].sort(compareVersions)[0];
}

/** The highest of the versions given: the one upgrade that covers every member's earliest fix. */
export function highestVersion(versions: readonly string[]): string | undefined {
  return [...versions].sort(compareVersions).at(-1);
}
