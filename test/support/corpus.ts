import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The team's shared reference material lives beside the repo, never inside it: `../shared`, or
 * the folder `ASPM_SHARED_DIR` names (a git worktree elsewhere, a CI cache).
 */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const SHARED_DIR = process.env.ASPM_SHARED_DIR
  ? resolve(process.env.ASPM_SHARED_DIR)
  : resolve(REPO_ROOT, "../shared");
export const CORPUS_DIR = resolve(SHARED_DIR, "corpus");
export const SHARED_DATA_DIR = resolve(SHARED_DIR, "data");
export const CONTRACTS_DIR = resolve(SHARED_DIR, "contracts");
export const MANIFEST_PATH = resolve(CORPUS_DIR, "MANIFEST.tsv");

export const corpusAvailable = existsSync(MANIFEST_PATH);

/** CI sets `CI` (GitHub Actions, GitLab, CircleCI, …); `false` or `0` means a local run. */
export const inCI = ["", "0", "false"].includes((process.env.CI ?? "").toLowerCase()) === false;

/**
 * Whether the tests that read these files of the shared material skip. CI always has it, so
 * there they never skip: they run and fail on the missing files. A local run without it skips
 * them and says why.
 */
export function skipWithoutShared(what: string, paths: readonly string[]): boolean {
  const missing = paths.filter((path) => !existsSync(path));
  if (missing.length === 0 || inCI) return false;
  console.warn(
    `${what}: skipped, ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} missing ` +
      "(put the shared material at ../shared or set ASPM_SHARED_DIR; in CI these tests fail instead)",
  );
  return true;
}

export interface ManifestRow {
  format: string;
  file: string;
  findingCount: number;
  notes: string;
}

export function readManifest(): ManifestRow[] {
  const [header, ...lines] = readFileSync(MANIFEST_PATH, "utf8").trim().split("\n");
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
