/**
 * Text that came from a report (a key, a value, a parser's message about them) on its way to a
 * terminal, a log line or a stored failure reason: control characters (ANSI escapes, carriage
 * returns, forged newlines, C1 codes, bidi overrides) become visible `\uXXXX` escapes, so a
 * crafted report can neither recolour a terminal nor forge an extra line. Long text is cut.
 */
// matching control characters is the point here
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what must not pass
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string, max = 2000): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
