import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { bundledKevSnapshot } from "#shared/intel/bundled";
import type { IntelSource } from "#shared/usecases/refresh-intel";

/**
 * Where the KEV and EPSS feeds come from: public URLs on AWS (or when asked, `aspm dev --online`),
 * a folder of files, and otherwise the KEV snapshot shipped in the package: nothing local reaches
 * the internet unless asked.
 */
export const DEFAULT_KEV_URL =
  "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json";
export const DEFAULT_EPSS_URL = "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz";

async function download(url: string): Promise<Uint8Array> {
  const response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

const KEV_FILE = /^known_exploited_vulnerabilities\.json$|kev.*\.json$/i;
const EPSS_FILE = /epss.*\.csv(\.gz)?$/i;

function findFile(dir: string, test: RegExp): string | undefined {
  const name = readdirSync(dir)
    .sort()
    .find((f) => test.test(f));
  return name ? join(dir, name) : undefined;
}

/** A folder with the KEV JSON and an EPSS CSV (plain or .gz): `aspm correlate --intel DIR`. */
export function directorySource(dir: string): Required<IntelSource> {
  const pick = (test: RegExp) => {
    const file = findFile(dir, test);
    if (!file) throw new Error(`no file matching ${test} in ${dir}`);
    return file;
  };
  return {
    kev: async () => readFileSync(pick(KEV_FILE), "utf8"),
    epss: async () => new Uint8Array(readFileSync(pick(EPSS_FILE))),
  };
}

export interface IntelSourceConfig {
  /** A folder of feed files (ASPM_INTEL_DIR); a feed it has no file for falls through to the next rule. */
  dir?: string;
  /** Fetch the public feeds (ASPM_INTEL_ONLINE: set on AWS and by `--online`). */
  online?: boolean;
  /** A feed URL counts as asking for that feed online. */
  kevUrl?: string;
  epssUrl?: string;
}

/**
 * The intel job's source, feed by feed: a file in `dir`, else the URL when online (or given),
 * else offline: KEV from the bundled snapshot, and no EPSS (the daily file is ~12 MB; its absence
 * keeps whatever EPSS snapshot is stored and is not a feed failure).
 */
export function intelSourceFor(config: IntelSourceConfig): IntelSource & { describe: string } {
  const kevFile = config.dir ? findFile(config.dir, KEV_FILE) : undefined;
  const epssFile = config.dir ? findFile(config.dir, EPSS_FILE) : undefined;
  const kevUrl = config.kevUrl ?? (config.online ? DEFAULT_KEV_URL : undefined);
  const epssUrl = config.epssUrl ?? (config.online ? DEFAULT_EPSS_URL : undefined);
  const kev: IntelSource["kev"] = kevFile
    ? async () => readFileSync(kevFile, "utf8")
    : kevUrl
      ? async () => Buffer.from(await download(kevUrl)).toString("utf8")
      : async () => bundledKevSnapshot();
  const epss: IntelSource["epss"] = epssFile
    ? async () => new Uint8Array(readFileSync(epssFile))
    : epssUrl
      ? () => download(epssUrl)
      : undefined;
  const describe = `KEV from ${kevFile ?? kevUrl ?? "the bundled snapshot"}, EPSS from ${epssFile ?? epssUrl ?? "nowhere (offline)"}`;
  return { kev, ...(epss ? { epss } : {}), describe };
}
