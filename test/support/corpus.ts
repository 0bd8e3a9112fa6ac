import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The team's shared reference material lives beside the repo, never inside it. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** `../shared` beside the checkout; ASPM_SHARED_DIR points elsewhere (a git worktree, a CI cache). */
const SHARED_DIR = process.env.ASPM_SHARED_DIR ?? resolve(REPO_ROOT, "../shared");
export const CORPUS_DIR = resolve(SHARED_DIR, "corpus");
export const SHARED_DATA_DIR = resolve(SHARED_DIR, "data");
export const CONTRACTS_DIR = resolve(SHARED_DIR, "contracts");

export const corpusAvailable = existsSync(resolve(CORPUS_DIR, "MANIFEST.tsv"));

export interface ManifestRow {
  format: string;
  file: string;
  findingCount: number;
  notes: string;
}

export function readManifest(): ManifestRow[] {
  const [header, ...lines] = readFileSync(resolve(CORPUS_DIR, "MANIFEST.tsv"), "utf8").trim().split("\n");
  const cols = (header ?? "").split("\t");
  const at = (name: string) => cols.indexOf(name);
  return lines.map((line) => {
    const cells = line.split("\t");
    return {
      format: cells[at("format")] ?? "",
      file: cells[at("file")] ?? "",
      findingCount: Number(cells[at("finding_count")]),
      notes: cells[at("notes")] ?? "",
    };
  });
}

export function readCorpusFile(file: string): Buffer {
  return readFileSync(resolve(CORPUS_DIR, file));
}

export function readFixture(path: string): Buffer {
  return readFileSync(resolve(REPO_ROOT, "test/fixtures", path));
}
