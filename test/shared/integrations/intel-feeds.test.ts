import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type CliIo, terminalSafe } from "#cli/io";
import { runCli } from "#cli/main";
import { kevSnapshotOf, parseKevCatalog } from "#shared/domain/intel";
import { DEFAULT_EPSS_URL, DEFAULT_KEV_URL, intelSourceFor } from "#shared/integrations/intel-feeds";
import { bundledKev } from "#shared/intel/bundled";
import { REPO_ROOT, SHARED_DATA_DIR, skipWithoutShared } from "#test/support/corpus";

/** Intel offline by default: the bundled KEV snapshot, and the network only when asked. */

const SNAPSHOT_FILE = resolve(REPO_ROOT, "shared/intel/kev-snapshot.json");
const fetchSpy = vi.fn(async (url: unknown) => {
  throw new Error(`unexpected network call to ${String(url)}`);
});
beforeEach(() => {
  fetchSpy.mockClear();
  vi.stubGlobal("fetch", fetchSpy);
});
afterEach(() => vi.unstubAllGlobals());

describe("the bundled KEV snapshot", () => {
  it("is the dated CISA catalog 2026.08.07, loaded with no network", async () => {
    const source = intelSourceFor({});
    const catalog = parseKevCatalog(await source.kev());
    expect(catalog).toMatchObject({
      catalogVersion: "2026.08.07",
      dateReleased: "2026-08-07T16:45:47.0648Z",
      count: 1662,
    });
    expect(catalog.entries.size).toBe(1662);
    // Struts (issue #9) and Log4Shell, as CISA lists them
    expect(catalog.entries.get("CVE-2017-5638")).toEqual({
      dateAdded: "2021-11-03",
      dueDate: "2022-05-03",
      ransomware: true,
    });
    expect(catalog.entries.has("CVE-2021-44228")).toBe(true);
    // offline there is no EPSS feed, and that is not a failure
    expect(source.epss).toBeUndefined();
    expect(source.describe).toBe("KEV from the bundled snapshot, EPSS from nowhere (offline)");
    expect(bundledKev().entries).toEqual(catalog.entries);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it("takes a folder's feed files first, and the bundled KEV for a feed the folder lacks", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aspm-intel-"));
    writeFileSync(join(dir, "epss_scores-demo.csv"), "cve,epss,percentile\nCVE-2017-5638,0.9,0.99\n");
    const source = intelSourceFor({ dir });
    expect(parseKevCatalog(await source.kev()).count).toBe(1662);
    expect(Buffer.from((await source.epss?.()) ?? []).toString()).toContain("CVE-2017-5638");
    const kevMini = readFileSync(resolve(REPO_ROOT, "test/fixtures/intel/kev-mini.json"), "utf8");
    writeFileSync(join(dir, "known_exploited_vulnerabilities.json"), kevMini);
    expect(parseKevCatalog(await intelSourceFor({ dir }).kev()).count).toBe(parseKevCatalog(kevMini).count);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it("fetches the public feeds only when online (on AWS, or --online)", async () => {
    fetchSpy.mockImplementation(async () => {
      throw new Error("offline test");
    });
    const source = intelSourceFor({ online: true });
    await expect(source.kev()).rejects.toThrow("offline test");
    await expect(source.epss?.()).rejects.toThrow("offline test");
    expect(fetchSpy.mock.calls.map(([url]) => url)).toEqual([DEFAULT_KEV_URL, DEFAULT_EPSS_URL]);
  });
});

const kevPath = resolve(SHARED_DATA_DIR, "known_exploited_vulnerabilities.json");

describe.skipIf(skipWithoutShared("the KEV snapshot against the real catalog", [kevPath]))(
  "aspm kev-snapshot",
  () => {
    it("regenerates the shipped file byte for byte from the real CISA catalog", async () => {
      const out = join(mkdtempSync(join(tmpdir(), "aspm-kev-")), "kev.json");
      const lines: string[] = [];
      const io: CliIo = { out: (l) => lines.push(terminalSafe(l)), err: (l) => lines.push(terminalSafe(l)) };
      expect(await runCli(io, ["kev-snapshot", kevPath, "--out", out])).toBe(0);
      expect(lines.join("\n")).toContain("KEV 2026.08.07 (released 2026-08-07T16:45:47.0648Z), 1662 CVEs");
      expect(readFileSync(out, "utf8")).toBe(readFileSync(SNAPSHOT_FILE, "utf8"));
      // and scores read the same from either
      const real = parseKevCatalog(readFileSync(kevPath, "utf8"));
      expect(bundledKev().entries).toEqual(real.entries);
      expect(kevSnapshotOf(readFileSync(kevPath, "utf8"), "x").vulnerabilities).toHaveLength(1662);
    });

    it("refuses a file that is not a KEV catalog with exit 2, writing nothing", async () => {
      const dir = mkdtempSync(join(tmpdir(), "aspm-kev-"));
      const bad = join(dir, "kev.json");
      writeFileSync(bad, JSON.stringify({ catalogVersion: "x", count: 3, vulnerabilities: [] }));
      const lines: string[] = [];
      const io: CliIo = { out: (l) => lines.push(l), err: (l) => lines.push(l) };
      expect(await runCli(io, ["kev-snapshot", bad, "--out", join(dir, "out.json")])).toBe(2);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain("kev.json: KEV catalog");
    });
  },
);
