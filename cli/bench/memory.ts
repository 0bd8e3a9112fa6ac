import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { NormalizedFinding } from "#shared/domain/finding";
import type { CliIo } from "../io.ts";
import { peakRssMb, printBench } from "./bench.ts";
import { type BaselineSyntax, baselineParse, FAMILIES, type Family } from "./families.ts";
import { writeReport } from "./generate.ts";

/**
 * memory_200mb_<family>: the peak RSS of normalizing a 200 MB report of each family (the parse, each
 * finding written into the gzipped normalized report as it is made, as the Lambda does), each in a
 * child process of its own (so the peak is the parse's, not the generator's or another family's),
 * its V8 heap capped at 2 GB, against the peak RSS of a child that only reads the file and
 * JSON.parses it (the JSON twin for the XML family, as in the normalize measures). Both children
 * start the same way (memory-child.mjs: node and the tsx loader), so the ratio compares the parses;
 * the floor, a child that parses nothing, is in the note.
 */

const MB = 1024 * 1024;
const TARGET_BYTES = 200 * MB;
export const MEMORY_HEAP_MB = 2048;
const CHILD = fileURLToPath(new URL("./memory-child.mjs", import.meta.url));

export const MEMORY_MODES = ["ours", "json", "jsonl", "floor"] as const;
export type MemoryMode = (typeof MEMORY_MODES)[number];

function isMemoryMode(mode: string | undefined): mode is MemoryMode {
  return (MEMORY_MODES as readonly string[]).includes(mode ?? "");
}

/** memory-child.mjs's entry: `<mode> <file>`. */
export async function memoryChildMain(argv: string[]): Promise<void> {
  const [mode, file = ""] = argv;
  if (!isMemoryMode(mode))
    throw new Error(`unknown memory child mode ${mode}; modes: ${MEMORY_MODES.join(", ")}`);
  await memoryChild(
    { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) },
    mode,
    file,
  );
}

const ChildFigures = z.object({
  peakRssMb: z.number(),
  ms: z.number(),
  findings: z.number().optional(),
  format: z.string().optional(),
  /** The gzipped normalized report's size, held at the end of our parse. */
  normalizedBytes: z.number().optional(),
  /** Our parse refused the report (a ParseError: an input bound). */
  refused: z.string().optional(),
});
type ChildFigures = z.infer<typeof ChildFigures>;

/** The child: one parse of `file` (or none, for the floor), then its figures on a `MEMORY` line. */
export async function memoryChild(io: CliIo, mode: MemoryMode, file: string): Promise<void> {
  const figures: ChildFigures = { peakRssMb: 0, ms: 0 };
  if (mode === "ours") {
    const [{ parseReportTo }, { ParseError }, { GzipJsonArrayWriter }] = await Promise.all([
      import("#shared/parsers/registry"),
      import("#shared/parsers/parse-error"),
      import("#shared/store/blob-store"),
    ]);
    const bytes = readFileSync(file);
    const t = performance.now();
    try {
      // as the normalize Lambda does it: each finding written out as it is made, the gzipped
      // normalized report held until the end
      const normalized = new GzipJsonArrayWriter<NormalizedFinding>("findings");
      const report = parseReportTo(bytes, { secretSalt: "bench" }, (f) => normalized.add(f));
      figures.normalizedBytes = normalized.finish(report).byteLength;
      figures.findings = report.count;
      figures.format = report.format;
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      figures.refused = error.message;
    }
    figures.ms = performance.now() - t;
  } else if (mode !== "floor") {
    const syntax: BaselineSyntax = mode;
    const text = readFileSync(file, "utf8");
    const t = performance.now();
    baselineParse(syntax, text);
    figures.ms = performance.now() - t;
  }
  figures.peakRssMb = peakRssMb();
  io.out(`MEMORY ${JSON.stringify(figures)}`);
}

function spawnMemoryChild(mode: MemoryMode, file: string): ChildFigures {
  const child = spawnSync(process.execPath, [`--max-old-space-size=${MEMORY_HEAP_MB}`, CHILD, mode, file], {
    encoding: "utf8",
    maxBuffer: 16 * MB,
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: "ERROR" },
  });
  const line = /^MEMORY (\{.*\})$/m.exec(child.stdout)?.[1];
  if (child.status !== 0 || !line) {
    const why = child.signal ?? `exit ${child.status}`;
    throw new Error(`${mode} child (${why}): ${child.stderr.trim().split("\n").slice(-3).join(" ")}`);
  }
  return ChildFigures.parse(JSON.parse(line));
}

/**
 * Sizes tried in turn: 200 MB, and smaller ones while an input bound refuses the report, so the
 * line still has a figure and says why. Dependency-Check XML needs this: its parse is estimated at
 * about 7 times its text (256 bytes an element, one element every 40 bytes), so the 640 MiB tree
 * bound refuses it from about 90 MB on.
 */
const SIZES = [TARGET_BYTES, 100 * MB, 80 * MB, 60 * MB, 40 * MB];

function familyLine(io: CliIo, family: Family, dir: string, floor: number): void {
  const refusals: string[] = [];
  for (const target of SIZES) {
    const refused = familyAtSize(io, family, dir, floor, target, refusals);
    if (!refused) return;
    refusals.push(`${Math.round(target / MB)} MB refused: ${refused}`);
  }
  throw new Error(`refused at every size: ${refusals.join("; ")}`);
}

/** One line for the family at `target` bytes, or why our parse refused it (no line then). */
function familyAtSize(
  io: CliIo,
  family: Family,
  dir: string,
  floor: number,
  target: number,
  refusals: string[],
): string | undefined {
  const generated = family.generate(target);
  const file = join(dir, `${family.id}.report`);
  writeReport(file, generated.report);
  let baselineFile = file;
  if (generated.twin) {
    baselineFile = join(dir, `${family.id}.twin.json`);
    writeReport(baselineFile, generated.twin());
  }
  try {
    const size = statSync(file).size / MB;
    const baselineSize = statSync(baselineFile).size / MB;
    const ours = spawnMemoryChild("ours", file);
    if (ours.refused) return ours.refused;
    const base = spawnMemoryChild(family.baselineSyntax, baselineFile);
    const baselineWhat = generated.twin
      ? `JSON.parse of the same records as the tool's JSON report (${baselineSize.toFixed(0)} MB; Node has no XML parser)`
      : `JSON.parse of the same file${family.baselineSyntax === "jsonl" ? ", line by line" : ""}`;
    printBench(io, {
      name: `memory_200mb_${family.id}`,
      value: ours.peakRssMb,
      unit: "MB peak RSS",
      baseline: base.peakRssMb,
      ratio: base.peakRssMb > 0 ? Math.round((ours.peakRssMb / base.peakRssMb) * 100) / 100 : null,
      budget: "ratio <= 1.6",
      peakRssMb: ours.peakRssMb,
      note: `${refusals.length ? `not 200 MB: ${refusals.join("; ")}; measured at ${size.toFixed(0)} MB, the first size the input bounds accept. ` : ""}${family.label}, ${size.toFixed(0)} MB, ${ours.findings} findings (${ours.format}) normalized in ${(ours.ms / 1000).toFixed(1)} s into ${((ours.normalizedBytes ?? 0) / MB).toFixed(1)} MB of gzipped JSON; each side in its own child, heap capped at ${MEMORY_HEAP_MB} MB; baseline = peak RSS of a child that reads the file and runs ${baselineWhat} (${(base.ms / 1000).toFixed(1)} s); floor (a child that parses nothing) ${floor} MB`,
    });
    return undefined;
  } finally {
    rmSync(file, { force: true });
    rmSync(baselineFile, { force: true });
  }
}

export async function memoryPerFamily(io: CliIo): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "aspm-bench-memory-"));
  const failed: string[] = [];
  try {
    const floor = spawnMemoryChild("floor", join(dir, "none")).peakRssMb;
    for (const family of Object.values(FAMILIES)) {
      try {
        familyLine(io, family, dir, floor);
      } catch (error) {
        failed.push(`memory_200mb_${family.id}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (failed.length) throw new Error(`memory measures failed:\n${failed.join("\n")}`);
}
