import { readFileSync, writeFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { IntelError, type KevSnapshot, kevSnapshotOf } from "#shared/domain/intel";
import { CliError, type CliIo } from "../io.ts";

/** Where the package's snapshot lives (shared/intel/bundled.ts imports it). */
export const BUNDLED_KEV_PATH = fileURLToPath(
  new URL("../../shared/intel/kev-snapshot.json", import.meta.url),
);

/** One tuple a line, so a refresh reads as a diff of added and changed CVEs. */
export function renderKevSnapshot(snapshot: KevSnapshot): string {
  const { vulnerabilities, ...head } = snapshot;
  const fields = Object.entries(head).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},`);
  // spaced as Biome formats JSON, so `biome check` accepts the file as written
  const rows = vulnerabilities.map((row) => `    [${row.map((cell) => JSON.stringify(cell)).join(", ")}]`);
  return `{\n${fields.join("\n")}\n  "vulnerabilities": [\n${rows.join(",\n")}\n  ]\n}\n`;
}

/**
 * `aspm kev-snapshot KEV.json [--out FILE]`: compacts a CISA KEV catalog file into the snapshot
 * aspm ships as its offline default (shared/intel/kev-snapshot.json unless --out).
 */
export function kevSnapshotCommand(io: CliIo, file: string, options: { out?: string }): void {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new CliError(`${file}: ${(error as Error).message}`, 2);
  }
  let snapshot: KevSnapshot;
  try {
    snapshot = kevSnapshotOf(text, `CISA Known Exploited Vulnerabilities catalog (${basename(file)}), CC0`);
  } catch (error) {
    if (error instanceof IntelError) throw new CliError(`${file}: ${error.message}`, 2);
    throw error;
  }
  const out = resolve(options.out ?? BUNDLED_KEV_PATH);
  writeFileSync(out, renderKevSnapshot(snapshot));
  io.out(
    `${out}: KEV ${snapshot.catalogVersion} (released ${snapshot.dateReleased}), ${snapshot.count} CVEs`,
  );
}
