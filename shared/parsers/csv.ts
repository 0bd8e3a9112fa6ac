import { ParseError } from "./parse-error.ts";

/**
 * RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF) with a chosen delimiter; Prowler
 * writes `;`. Returns rows of cells; the caller maps the header.
 */
export function parseCsv(text: string, delimiter: string, format: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === "\n") line++;
        cell += c;
      }
      continue;
    }
    if (c === '"' && cell === "") quoted = true;
    else if (c === delimiter) {
      row.push(cell);
      cell = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(cell);
      if (row.length > 1 || row[0] !== "") rows.push(row);
      row = [];
      cell = "";
      line++;
    } else cell += c;
  }
  if (quoted) throw new ParseError("unterminated quoted CSV field", format, `line ${line}`);
  if (cell !== "" || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** Rows as objects keyed by the header row. */
export function csvRecords(text: string, delimiter: string, format: string): Array<Record<string, string>> {
  const [header, ...rows] = parseCsv(text, delimiter, format);
  if (!header) return [];
  return rows.map((cells) => Object.fromEntries(header.map((name, i) => [name.trim(), cells[i] ?? ""])));
}
