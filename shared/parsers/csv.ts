import { INPUT_LIMITS, type InputLimits } from "./document.ts";
import { treeTooBig } from "./lazy-json.ts";
import { ParseError } from "./parse-error.ts";

/**
 * What a parsed cell costs: the string and its slot in the row, then its property in the record
 * built from the row (`csvRecords`). Rounded up from measurements, like lazy-json's TREE_BYTES.
 */
const CELL_BYTES = 64;
const ROW_BYTES = 64;

/**
 * RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF) with a chosen delimiter; Prowler
 * writes `;`. Returns rows of cells; the caller maps the header. Cells are slices of the text,
 * never grown a character at a time, and the field length and the memory of the rows are bounded
 * as they are read.
 */
export function parseCsv(
  text: string,
  delimiter: string,
  format: string,
  limits: InputLimits = INPUT_LIMITS,
): string[][] {
  const rows: string[][] = [];
  const delim = delimiter.charCodeAt(0);
  const n = text.length;
  let row: string[] = [];
  let estimate = 0;
  let line = 1;
  let i = 0;
  const push = (cell: string): void => {
    if (cell.length > limits.maxStringBytes)
      throw new ParseError(
        `a CSV field of ${cell.length} chars exceeds the ${limits.maxStringBytes} cap`,
        format,
        `line ${line}`,
      );
    row.push(cell);
    estimate += CELL_BYTES + cell.length;
    if (estimate > limits.maxTreeBytes) throw new ParseError(treeTooBig(estimate, limits).message, format);
  };
  const endRow = (): void => {
    if (row.length > 1 || row[0] !== "") {
      rows.push(row);
      estimate += ROW_BYTES;
    }
    row = [];
  };
  while (i <= n) {
    let cell: string;
    if (text.charCodeAt(i) === 0x22) {
      // quoted: up to the quote not followed by another; doubled quotes are one
      const start = i + 1;
      let j = start;
      let doubled = false;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q === -1) throw new ParseError("unterminated quoted CSV field", format, `line ${line}`);
        if (text.charCodeAt(q + 1) === 0x22) {
          doubled = true;
          j = q + 2;
          continue;
        }
        j = q;
        break;
      }
      const raw = text.slice(start, j);
      for (let k = raw.indexOf("\n"); k !== -1; k = raw.indexOf("\n", k + 1)) line++;
      cell = doubled ? raw.replaceAll('""', '"') : raw;
      i = j + 1;
      // anything between the closing quote and the delimiter is kept, as a lenient reader does
      const stop = nextBreak(text, i, delim);
      if (stop > i) cell += text.slice(i, stop);
      i = stop;
    } else {
      const stop = nextBreak(text, i, delim);
      cell = text.slice(i, stop);
      i = stop;
    }
    push(cell);
    if (i >= n) break;
    const c = text.charCodeAt(i);
    if (c === delim) {
      i++; // a delimiter at the very end leaves an empty last cell, read on the next turn
      continue;
    }
    // a line end: CRLF, LF or CR
    i += c === 0x0d && text.charCodeAt(i + 1) === 0x0a ? 2 : 1;
    line++;
    endRow();
    if (i === n) break;
  }
  if (row.length) endRow();
  return rows;
}

/** The index of the next delimiter, CR or LF from `from`, or the text's end. */
function nextBreak(text: string, from: number, delim: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === delim || c === 0x0a || c === 0x0d) return i;
  }
  return text.length;
}

/** Rows as objects keyed by the header row. */
export function csvRecords(text: string, delimiter: string, format: string): Array<Record<string, string>> {
  const [header, ...rows] = parseCsv(text, delimiter, format);
  if (!header) return [];
  return rows.map((cells) => Object.fromEntries(header.map((name, i) => [name.trim(), cells[i] ?? ""])));
}
