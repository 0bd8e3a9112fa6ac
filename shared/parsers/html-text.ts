/**
 * Plain text from the HTML fragments DAST tools put in descriptions (ZAP `desc`, Burp
 * `issueBackground`): block ends become line breaks, tags go, the common entities are decoded.
 * Not a sanitizer for rendering; it only makes text readable and safe to store as text.
 */

const BLOCK_END = /<\/(?:p|div|li|ul|ol|h[1-6]|tr|table|pre)\s*>|<br\s*\/?>/gi;
// every pattern here is linear on hostile input: no `[^>]*` that can rescan a run of `<`, no `\s*` that
// can rescan a run of blanks without a newline
const TAG = /<[^<>]*>/g;
const ENTITY = /&(?:#(\d{1,7})|#x([0-9a-f]{1,6})|([a-z]+));/gi;
const BLANK_RUNS = /[^\S\n]+/g;
const LINE_RUNS = / ?\n\s*/g;
const HREF = /href\s*=\s*["']([^"'<>]{1,2000})["']/gi;
const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"']+/gi;

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

function decodeEntity(whole: string, dec?: string, hex?: string, name?: string): string {
  const code = dec ? Number(dec) : hex ? Number.parseInt(hex, 16) : undefined;
  if (code !== undefined) return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : "";
  return NAMED[(name ?? "").toLowerCase()] ?? whole;
}

export function htmlToText(html: string | undefined): string | undefined {
  if (!html) return undefined;
  const text = html
    .replace(BLOCK_END, "\n")
    .replace(TAG, "")
    .replace(ENTITY, decodeEntity)
    .replace(BLANK_RUNS, " ")
    .replace(LINE_RUNS, "\n")
    .trim();
  return text || undefined;
}

/** Link targets in an HTML fragment (`<a href>`), else bare URLs in its text, in order. */
export function htmlLinks(html: string | undefined): string[] {
  if (!html) return [];
  const hrefs = [...html.matchAll(HREF)].map((m) => m[1] ?? "").filter(Boolean);
  if (hrefs.length) return hrefs;
  return [...(htmlToText(html) ?? "").matchAll(URL_IN_TEXT)].map((m) => m[0]);
}
