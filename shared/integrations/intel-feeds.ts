import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { IntelSource } from "#shared/usecases/refresh-intel";

/** Where the KEV and EPSS feeds come from: public URLs on AWS, a folder of files locally and offline. */
export const DEFAULT_KEV_URL =
  "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json";
export const DEFAULT_EPSS_URL = "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz";

async function download(url: string): Promise<Uint8Array> {
  const response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** A folder with the KEV JSON and an EPSS CSV (plain or .gz): the local stack and tests. */
export function directorySource(dir: string): IntelSource {
  const pick = (test: RegExp) => {
    const name = readdirSync(dir)
      .sort()
      .find((f) => test.test(f));
    if (!name) throw new Error(`no file matching ${test} in ${dir}`);
    return join(dir, name);
  };
  return {
    kev: async () => readFileSync(pick(/^known_exploited_vulnerabilities\.json$|kev.*\.json$/i), "utf8"),
    epss: async () => new Uint8Array(readFileSync(pick(/epss.*\.csv(\.gz)?$/i))),
  };
}

export function urlSource(kevUrl: string, epssUrl: string): IntelSource {
  return {
    kev: async () => Buffer.from(await download(kevUrl)).toString("utf8"),
    epss: () => download(epssUrl),
  };
}
