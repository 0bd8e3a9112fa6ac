import { isRecord, type ReportDocument } from "./document.ts";

/**
 * The clean-run shapes several tools share, for `ReportFormat.isEmptyReport`. They carry nothing
 * that names the tool, so a format claims one only when its tool really writes it.
 */

type EmptyCheck = (doc: ReportDocument) => boolean;

/** An empty file reaches a declared format as JSON Lines with no records. */
export const EMPTY_FILE: ReportDocument = { syntax: "jsonl", values: [] };

export const emptyFile: EmptyCheck = (doc) => doc.syntax === "jsonl" && doc.values.length === 0;

/** The JSON literal `null`: Go's encoding of a nil list. */
export const jsonNull: EmptyCheck = (doc) => doc.syntax === "json" && doc.value === null;

export const emptyArray: EmptyCheck = (doc) =>
  doc.syntax === "json" && Array.isArray(doc.value) && doc.value.length === 0;

/**
 * An object whose list `key` is empty (or `null` when `allowNull`), with no key besides `key` and
 * those `extraKeys` accepts: `{"results": []}`, `{"findings": [], "nextToken": null}`.
 */
export function emptyList(
  key: string,
  options: { allowNull?: boolean; extraKeys?: (key: string) => boolean } = {},
): EmptyCheck {
  return (doc) => {
    if (doc.syntax !== "json" || !isRecord(doc.value)) return false;
    const list = doc.value[key];
    const empty = (Array.isArray(list) && list.length === 0) || (options.allowNull === true && list === null);
    return empty && Object.keys(doc.value).every((k) => k === key || options.extraKeys?.(k) === true);
  };
}

export function anyOf(...checks: EmptyCheck[]): EmptyCheck {
  return (doc) => checks.some((check) => check(doc));
}
