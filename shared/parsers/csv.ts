import type { JsonLimits } from "./lazy-json.ts";
import { treeTooBig } from "./lazy-json.ts";
import { ParseError } from "./parse-error.ts";

/**
 * What a parsed cell costs: the string and its slot in the row, then its property in the record
 * built from the row (`csvRecords`). Rounded up from measurements, like lazy-json's TREE_BYTES.
 */
const CELL_BYTES = 64;
const ROW_BYTES = 64;

/**
 * A field as positions in the text: [start, end), whether it holds doubled quotes to undouble, and
 * whether it continues the field before it (text after a closing quote).
 */
type FieldVisit = (start: number, end: number, doubled: boolean, line: number, continues: boolean) => void;

/**
 * RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF) with a chosen delimiter, walked field
 * by field as positions in the text: nothing is allocated here, so the bounds check and the parse
 * share one reader. Text after a closing quote is kept, as lenient readers do.
 */
function walkCsv(
  text: string,
  delimiter: string,
  format: string | undefined,
  field: FieldVisit,
  rowEnd: () => void,
): void {
  const delim = delimiter.charCodeAt(0);
  const n = text.length;
  let line = 1;
  let i = 0;
  while (i <= n) {
    const fieldLine = line;
    if (text.charCodeAt(i) === 0x22) {
      // quoted: up to the quote not followed by another; doubled quotes are one
      const start = i + 1;
      let j = start;
      let doubled = false;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q === -1) {
          // the parse reports it; a bounds check has nothing more to bound
          if (format === undefined) return;
          throw new ParseError("unterminated quoted CSV field", format, `line ${line}`);
        }
        if (text.charCodeAt(q + 1) !== 0x22) {
          j = q;
          break;
        }
        doubled = true;
        j = q + 2;
      }
      for (let k = text.indexOf("\n", start); k !== -1 && k < j; k = text.indexOf("\n", k + 1)) line++;
      const after = nextBreak(text, j + 1, delim);
      field(start, j, doubled, fieldLine, false);
      if (after > j + 1) field(j + 1, after, false, fieldLine, true);
      i = after;
    } else {
      const stop = nextBreak(text, i, delim);
      field(i, stop, false, fieldLine, false);
      i = stop;
    }
    if (i >= n) break;
    const c = text.charCodeAt(i);
    if (c === delim) {
      i++; // a delimiter at the very end leaves an empty last field, read on the next turn
      continue;
    }
    // a line end: CRLF, LF or CR
    i += c === 0x0d && text.charCodeAt(i + 1) === 0x0a ? 2 : 1;
    line++;
    rowEnd();
    if (i === n) return;
  }
  rowEnd();
}

/** The index of the next delimiter, CR or LF from `from`, or the text's end. */
function nextBreak(text: string, from: number, delim: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === delim || c === 0x0a || c === 0x0d) return i;
  }
  return text.length;
}

/** The delimiter of a CSV: the most frequent of `;`, tab and `,` in its first line. */
export function csvDelimiter(head: string): string {
  const first = head.split(/\r?\n/, 1)[0] ?? "";
  const count = (d: string) => first.split(d).length;
  return [";", "\t", ","].reduce((best, d) => (count(d) > count(best) ? d : best));
}

/**
 * Refuses, before any row is made, a CSV with a field longer than the string bound or whose rows
 * would need more memory than the memory bound (a flood of empty cells: `;;;;…`).
 */
export function checkCsvBounds(text: string, delimiter: string, limits: JsonLimits): void {
  let estimate = 0;
  walkCsv(
    text,
    delimiter,
    undefined,
    (start, end, _doubled, line) => {
      // a field continued after its closing quote is checked in parts: close enough for a bound
      if (end - start > limits.maxStringBytes)
        throw new ParseError(
          `a CSV field of ${end - start} chars exceeds the ${limits.maxStringBytes} cap`,
          undefined,
          `line ${line}`,
        );
      estimate += CELL_BYTES + end - start;
      if (estimate > limits.maxTreeBytes) throw treeTooBig(estimate, limits);
    },
    () => {
      estimate += ROW_BYTES;
    },
  );
}

/**
 * CSV rows of cells; the caller maps the header. Prowler writes `;`. Cells are slices of the text,
 * never grown a character at a time; blank lines are skipped. readDocument has checked the bounds.
 */
export function parseCsv(text: string, delimiter: string, format: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  walkCsv(
    text,
    delimiter,
    format,
    (start, end, doubled, _line, continues) => {
      const cell = doubled ? text.slice(start, end).replaceAll('""', '"') : text.slice(start, end);
      if (continues) row[row.length - 1] += cell;
      else row.push(cell);
    },
    () => {
      if (row.length > 1 || (row.length === 1 && row[0] !== "")) rows.push(row);
      row = [];
    },
  );
  return rows;
}

/** Rows as objects keyed by the header row. */
export function csvRecords(text: string, delimiter: string, format: string): Array<Record<string, string>> {
  const [header, ...rows] = parseCsv(text, delimiter, format);
  if (!header) return [];
  return rows.map((cells) => Object.fromEntries(header.map((name, i) => [name.trim(), cells[i] ?? ""])));
}
