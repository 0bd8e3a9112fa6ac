import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  diffIntel,
  type EpssScores,
  IntelError,
  type IntelSnapshot,
  intelFor,
  intelMetadata,
  type KevCatalog,
  parseEpssCsv,
  parseEpssGzip,
  parseKevCatalog,
} from "#shared/domain/intel";
import { DEFAULT_RISK_POLICY, parseRiskPolicy } from "#shared/domain/risk-policy";
import { readFixture, SHARED_DATA_DIR, skipWithoutShared } from "#test/support/corpus";

const kevJson = () => JSON.parse(readFixture("intel/kev-mini.json").toString("utf8"));
const kev = parseKevCatalog(readFixture("intel/kev-mini.json").toString("utf8"));
const epssText = readFixture("intel/epss-mini.csv").toString("utf8");
const epss = parseEpssCsv(epssText);

describe("parseKevCatalog", () => {
  it("reads the feed into a map by CVE with due dates and the ransomware flag", () => {
    expect(kev.catalogVersion).toBe("2026.08.07");
    expect(kev.dateReleased).toBe("2026-08-07T16:45:47.0648Z");
    expect(kev.count).toBe(3);
    expect(kev.entries.get("CVE-2026-8037")).toEqual({
      dateAdded: "2026-08-07",
      dueDate: "2026-08-10",
      ransomware: false,
    });
    expect(kev.entries.get("CVE-2021-44228")).toEqual({
      dateAdded: "2021-12-10",
      dueDate: "2021-12-24",
      ransomware: true,
    });
  });

  it("accepts an already parsed value", () => {
    expect(parseKevCatalog(kevJson()).entries.size).toBe(3);
  });

  it("keeps the earlier due date when a CVE is listed twice", () => {
    const feed = kevJson();
    feed.vulnerabilities.push({
      ...feed.vulnerabilities[0],
      dueDate: "2026-08-09",
      knownRansomwareCampaignUse: "Known",
    });
    feed.count = 4;
    expect(parseKevCatalog(feed).entries.get("CVE-2026-8037")).toEqual({
      dateAdded: "2026-08-07",
      dueDate: "2026-08-09",
      ransomware: true,
    });
  });

  it("accepts entries without the optional fields", () => {
    const feed = kevJson();
    delete feed.vulnerabilities[0].knownRansomwareCampaignUse;
    delete feed.vulnerabilities[0].notes;
    delete feed.vulnerabilities[0].cwes;
    expect(parseKevCatalog(feed).entries.get("CVE-2026-8037")?.ransomware).toBe(false);
  });

  it.each([
    ["not JSON", () => "{", /not JSON/],
    [
      "a count that disagrees with the list (truncated)",
      (f: ReturnType<typeof kevJson>) => ({ ...f, count: 4 }),
      /count 4 but lists 3/,
    ],
    [
      "a bad due date",
      (f: ReturnType<typeof kevJson>) => {
        f.vulnerabilities[1].dueDate = "2023-13-45";
        return f;
      },
      /vulnerabilities\.1\.dueDate/,
    ],
    [
      "a bad CVE id",
      (f: ReturnType<typeof kevJson>) => {
        f.vulnerabilities[2].cveID = "CVE-21-1";
        return f;
      },
      /vulnerabilities\.2\.cveID/,
    ],
    [
      "a missing required field",
      (f: ReturnType<typeof kevJson>) => {
        delete f.vulnerabilities[0].requiredAction;
        return f;
      },
      /vulnerabilities\.0\.requiredAction/,
    ],
    [
      "a missing catalogVersion",
      (f: ReturnType<typeof kevJson>) => ({ ...f, catalogVersion: undefined }),
      /catalogVersion/,
    ],
  ])("rejects %s", (_, mutate, message) => {
    const input = mutate(kevJson());
    expect(() => parseKevCatalog(input)).toThrow(IntelError);
    expect(() => parseKevCatalog(input)).toThrow(message);
  });
});

describe("parseEpssCsv", () => {
  it("reads metadata and rows", () => {
    expect(epss.modelVersion).toBe("v2026.06.15");
    expect(epss.scoreDate).toBe("2026-09-29T12:00:22Z");
    expect(epss.entries.size).toBe(7);
    expect(epss.entries.get("CVE-1999-0001")).toEqual({ score: 0.03351, percentile: 0.88255 });
  });

  it("reads the gzipped file as published, to the same result", async () => {
    const gz = await parseEpssGzip(readFixture("intel/epss-mini.csv.gz"));
    expect(gz).toEqual(epss);
  });

  it("tolerates CRLF, a BOM, blank lines and a file without the comment line", () => {
    const crlf = parseEpssCsv(`\uFEFF${epssText.replace(/\n/g, "\r\n")}\r\n\r\n`);
    expect(crlf).toEqual(epss);
    const old = parseEpssCsv("cve,epss,percentile\nCVE-2020-0001,0.5,0.9\n");
    expect(old).toEqual({ entries: new Map([["CVE-2020-0001", { score: 0.5, percentile: 0.9 }]]) });
  });

  it.each([
    [
      "a bad header",
      "#model_version:v1,score_date:2026-01-01T00:00:00Z\ncve,score\n",
      /line 2: expected the header/,
    ],
    ["bad metadata", "#model_version:v1,score_date:yesterday\ncve,epss,percentile\n", /line 1: bad metadata/],
    ["a malformed row", "cve,epss,percentile\nCVE-2020-0001,0.5,0.9\nCVE-2020-0002,abc,0.9\n", /line 3/],
    ["a probability above 1", "cve,epss,percentile\nCVE-2020-0001,1.5,0.9\n", /line 2/],
    ["a missing column", "cve,epss,percentile\nCVE-2020-0001,0.5\n", /line 2/],
    ["a non-CVE id", "cve,epss,percentile\nGHSA-xxxx,0.5,0.9\n", /line 2/],
  ])("rejects %s with the line number", (_, text, message) => {
    expect(() => parseEpssCsv(text)).toThrow(IntelError);
    expect(() => parseEpssCsv(text)).toThrow(message);
  });

  it("caps inflation and rejects corrupt gzip", async () => {
    const bomb = gzipSync(Buffer.alloc(5_000_000, 0x41));
    await expect(parseEpssGzip(bomb, 1_000_000)).rejects.toThrow(/inflates beyond 1000000 bytes/);
    await expect(parseEpssGzip(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow(/not valid gzip/);
  });
});

describe("intelFor and intelMetadata", () => {
  const snapshot: IntelSnapshot = { kev, epss };

  it("returns KEV and EPSS for one CVE, whatever its case", () => {
    expect(intelFor(snapshot, "cve-2026-8037")).toEqual({
      kev: { dateAdded: "2026-08-07", dueDate: "2026-08-10", ransomware: false },
      epss: { score: 0.6, percentile: 0.995 },
    });
  });

  it("merges a finding's ids: listed if any is, earliest due date, highest EPSS; ignores non-CVE ids", () => {
    expect(
      intelFor(snapshot, ["GHSA-jfh8-c2jp-5v3q", "CVE-1999-0002", "CVE-2021-44228", "CVE-2023-4966"]),
    ).toEqual({
      kev: { dateAdded: "2021-12-10", dueDate: "2021-12-24", ransomware: true },
      epss: { score: 0.94358, percentile: 0.99963 },
    });
    expect(intelFor(snapshot, ["CVE-1999-0001"])).toEqual({ epss: { score: 0.03351, percentile: 0.88255 } });
  });

  it("returns undefined when nothing is known", () => {
    expect(intelFor(snapshot, ["CVE-2000-0001", "GHSA-jfh8-c2jp-5v3q"])).toBeUndefined();
    expect(intelFor({}, "CVE-2026-8037")).toBeUndefined();
  });

  it("reports snapshot provenance", () => {
    expect(intelMetadata(snapshot)).toEqual({
      kev: { catalogVersion: "2026.08.07", dateReleased: "2026-08-07T16:45:47.0648Z", count: 3 },
      epss: { modelVersion: "v2026.06.15", scoreDate: "2026-09-29T12:00:22Z", count: 7 },
    });
    expect(intelMetadata({})).toEqual({});
  });
});

describe("diffIntel", () => {
  const withKev = (mutate: (entries: KevCatalog["entries"]) => void): KevCatalog => {
    const entries = new Map(kev.entries);
    mutate(entries);
    return { ...kev, catalogVersion: "2026.08.08", count: entries.size, entries };
  };
  const withEpss = (rows: Record<string, [number, number] | undefined>): EpssScores => {
    const entries = new Map(epss.entries);
    for (const [cve, row] of Object.entries(rows)) {
      if (row) entries.set(cve, { score: row[0], percentile: row[1] });
      else entries.delete(cve);
    }
    return { ...epss, entries };
  };
  const before: IntelSnapshot = { kev, epss };

  it("finds nothing between identical snapshots", () => {
    expect(diffIntel(before, { kev, epss }, DEFAULT_RISK_POLICY)).toEqual([]);
  });

  it("reports KEV additions, removals, due-date and ransomware changes", () => {
    const next = {
      kev: withKev((e) => {
        e.set("CVE-1999-0001", { dateAdded: "2026-08-08", dueDate: "2026-08-11", ransomware: false });
        e.delete("CVE-2023-4966");
        e.set("CVE-2026-8037", { dateAdded: "2026-08-07", dueDate: "2026-08-09", ransomware: true });
      }),
      epss,
    };
    const changes = diffIntel(before, next, DEFAULT_RISK_POLICY);
    expect(changes.map((c) => [c.cve, c.reasons, c.escalation])).toEqual([
      ["CVE-1999-0001", ["kev-added"], true],
      ["CVE-2023-4966", ["kev-removed"], false],
      ["CVE-2026-8037", ["kev-due-date-changed", "kev-ransomware-changed"], false],
    ]);
    expect(changes[0]?.next?.kev?.dueDate).toBe("2026-08-11");
    expect(changes[1]?.previous?.kev).toBeDefined();
    expect(changes[1]?.next?.kev).toBeUndefined();
  });

  it("reports EPSS band moves and poc-threshold crossings, not small moves inside a band", () => {
    const next = {
      kev,
      epss: withEpss({
        "CVE-1999-0001": [0.04, 0.885], // same band, below threshold: nothing
        "CVE-1999-0002": [0.6, 0.995], // top 5% → top 1%
        "CVE-2026-9999": [0.12, 0.96], // below top 10% → top 5%, and crosses 0.1
        "CVE-1999-0016": [0.05, 0.93], // top 1% → top 10%, and drops under 0.1
        "CVE-2030-0001": [0.001, 0.05], // newly scored in the lowest band: nothing
        "CVE-2030-0002": [0.3, 0.991], // newly scored straight into the top band
      }),
    };
    const changes = diffIntel(before, next, DEFAULT_RISK_POLICY);
    expect(changes.map((c) => [c.cve, c.reasons, c.escalation, c.epssBand])).toEqual([
      ["CVE-1999-0002", ["epss-band-up"], true, { from: "top 5%", to: "top 1%" }],
      ["CVE-1999-0016", ["epss-band-down", "epss-poc-down"], false, { from: "top 1%", to: "top 10%" }],
      ["CVE-2026-9999", ["epss-band-up", "epss-poc-up"], true, { from: "below top 10%", to: "top 5%" }],
      ["CVE-2030-0002", ["epss-band-up", "epss-poc-up"], true, { from: undefined, to: "top 1%" }],
    ]);
  });

  it("reports a CVE that drops out of a scored band", () => {
    const changes = diffIntel(
      before,
      { kev, epss: withEpss({ "CVE-1999-0016": undefined }) },
      DEFAULT_RISK_POLICY,
    );
    expect(changes.map((c) => [c.cve, c.reasons])).toEqual([
      ["CVE-1999-0016", ["epss-band-down", "epss-poc-down"]],
    ]);
  });

  it("uses the policy's bands and threshold", () => {
    const policy = parseRiskPolicy({
      epss: {
        pocThreshold: 0.02,
        bands: [
          { name: "hot", minPercentile: 0.8, points: 10 },
          { name: "cold", minPercentile: 0, points: 0 },
        ],
      },
    });
    const next = { kev, epss: withEpss({ "CVE-1999-0001": [0.01, 0.7] }) };
    expect(diffIntel(before, next, DEFAULT_RISK_POLICY)).toEqual([]);
    expect(diffIntel(before, next, policy).map((c) => [c.cve, c.reasons])).toEqual([
      ["CVE-1999-0001", ["epss-band-down", "epss-poc-down"]],
    ]);
  });

  it("treats a side missing from either snapshot as unchanged (a failed download un-lists nothing)", () => {
    expect(diffIntel(before, { epss }, DEFAULT_RISK_POLICY)).toEqual([]);
    expect(diffIntel({ epss }, { kev, epss }, DEFAULT_RISK_POLICY)).toEqual([]);
    expect(diffIntel(before, { kev }, DEFAULT_RISK_POLICY)).toEqual([]);
  });
});

const kevPath = resolve(SHARED_DATA_DIR, "known_exploited_vulnerabilities.json");
const epssHeadPath = resolve(SHARED_DATA_DIR, "epss_scores-2026-09-29.head.csv");
const epssTailPath = resolve(SHARED_DATA_DIR, "epss_scores-2026-09-29.tail.csv");
const skipRealData = skipWithoutShared("intel parsing of the real snapshots", [
  kevPath,
  epssHeadPath,
  epssTailPath,
]);

describe.skipIf(skipRealData)("intel parsing of the real snapshots in ../shared/data", () => {
  it("parses the full KEV catalog (2026.08.07, 1662 entries)", () => {
    const catalog = parseKevCatalog(readFileSync(kevPath, "utf8"));
    expect(catalog.catalogVersion).toBe("2026.08.07");
    expect(catalog.count).toBe(1662);
    expect(catalog.entries.size).toBe(1662);
    expect(catalog.entries.get("CVE-2021-44228")).toEqual({
      dateAdded: "2021-12-10",
      dueDate: "2021-12-24",
      ransomware: true,
    });
    // BOD 26-04: many recent due dates are 3 days after listing, so nothing may assume 21
    const gaps = new Set(
      [...catalog.entries.values()].map(
        (e) => (Date.parse(e.dueDate) - Date.parse(e.dateAdded)) / 86_400_000,
      ),
    );
    expect(gaps.has(3)).toBe(true);
    expect(gaps.has(21)).toBe(true);
  });

  it("parses the EPSS head excerpt (534 rows, model v2026.06.15)", async () => {
    const text = readFileSync(epssHeadPath, "utf8");
    const head = parseEpssCsv(text);
    expect(head.modelVersion).toBe("v2026.06.15");
    expect(head.scoreDate).toBe("2026-09-29T12:00:22Z");
    expect(head.entries.size).toBe(534);
    expect(head.entries.get("CVE-1999-0001")).toEqual({ score: 0.03351, percentile: 0.88255 });
    expect(await parseEpssGzip(gzipSync(text))).toEqual(head);
  });

  it("parses the EPSS tail excerpt (105 rows, ending at CVE-2026-9999)", () => {
    const tail = parseEpssCsv(readFileSync(epssTailPath, "utf8"));
    expect(tail.entries.size).toBe(105);
    expect([...tail.entries.keys()].at(-1)).toBe("CVE-2026-9999");
    expect(tail.entries.get("CVE-2026-9999")).toEqual({ score: 0.00408, percentile: 0.32517 });
  });

  it("diffs the real catalog against itself minus the newest listing", () => {
    const catalog = parseKevCatalog(readFileSync(kevPath, "utf8"));
    const older = new Map(catalog.entries);
    older.delete("CVE-2026-8037");
    const changes = diffIntel({ kev: { ...catalog, entries: older } }, { kev: catalog }, DEFAULT_RISK_POLICY);
    expect(changes.map((c) => [c.cve, c.reasons])).toEqual([["CVE-2026-8037", ["kev-added"]]]);
  });
});
