import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NormalizedFinding } from "#shared/domain/finding";
import type { InputLimits } from "#shared/parsers/document";
import { ParseError } from "#shared/parsers/parse-error";
import { parseReport } from "#shared/parsers/registry";

/**
 * The bounds of issue 8 (point 2) as a property: hostile shapes (long lists of scalars or empty
 * objects, nested lists, deep nesting, long strings, JSON Lines floods, XML element and entity
 * floods, CSV cell floods, many small SARIF results), plain or gzipped, against random small
 * bounds. `parseReport` returns at most the findings cap of valid findings or throws a ParseError;
 * an input past a bound that can be counted exactly is always refused, naming a bound it passes.
 * The full-size inputs run in child processes in bad-input.test.ts.
 */

interface Facts {
  /** Longest JSON array, or JSON Lines records. */
  longestList: number;
  depth: number;
  longestString: number;
  /** XML and CSV: only the memory bound counts their elements. */
  syntax: "json" | "xml" | "csv";
}

interface Input {
  text: string;
  facts: Facts;
}

const json = (text: string, longestList: number, depth: number, longestString = 0): Input => ({
  text,
  facts: { longestList, depth, longestString, syntax: "json" },
});

const shape: fc.Arbitrary<Input> = fc.oneof(
  fc
    .record({
      n: fc.integer({ min: 0, max: 5_000 }),
      unit: fc.constantFrom("0", "{}", "[]", '""', "null", '{"a":[]}'),
    })
    .map(({ n, unit }) =>
      json(
        `[${Array(n).fill(unit).join(",")}]`,
        n,
        n && unit.startsWith('{"') ? 3 : n && /^[[{]/.test(unit) ? 2 : 1,
      ),
    ),
  fc
    .record({ lists: fc.integer({ min: 1, max: 40 }), n: fc.integer({ min: 1, max: 800 }) })
    .map(({ lists, n }) =>
      json(
        `[0,${Array(lists)
          .fill(`[${Array(n).fill("{}").join(",")}]`)
          .join(",")}]`,
        Math.max(lists + 1, n),
        3,
      ),
    ),
  fc.integer({ min: 1, max: 300 }).map((d) => json(`${"[".repeat(d)}${"]".repeat(d)}`, 1, d)),
  fc.integer({ min: 0, max: 20_000 }).map((len) => json(`{"k":"${"x".repeat(len)}"}`, 0, 1, len)),
  fc
    .integer({ min: 2, max: 3_000 })
    .map((n) => json(Array.from({ length: n }, (_, i) => `{"i":${i}}`).join("\n"), n, 1)),
  fc
    .record({ runs: fc.integer({ min: 1, max: 4 }), n: fc.integer({ min: 0, max: 600 }) })
    .map(({ runs, n }) => {
      const results = Array(n).fill('{"ruleId":"r","message":{"text":"m"}}').join(",");
      const run = `{"tool":{"driver":{"name":"x"}},"results":[${results}]}`;
      return json(`{"version":"2.1.0","runs":[${Array(runs).fill(run).join(",")}]}`, Math.max(runs, n), 6, 7);
    }),
  fc.integer({ min: 0, max: 20_000 }).map((n) => ({
    text: `<OWASPZAPReport>${"<a/>".repeat(n)}</OWASPZAPReport>`,
    facts: { longestList: 0, depth: 1, longestString: 0, syntax: "xml" as const },
  })),
  fc.integer({ min: 1, max: 200 }).map((d) => ({
    text: `${"<a>".repeat(d)}${"</a>".repeat(d)}`,
    facts: { longestList: 0, depth: d, longestString: 0, syntax: "xml" as const },
  })),
  fc.integer({ min: 0, max: 20_000 }).map((n) => ({
    text: `<OWASPZAPReport><site>${"&lt;".repeat(n)}</site></OWASPZAPReport>`,
    facts: { longestList: 0, depth: 2, longestString: 4 * n, syntax: "xml" as const },
  })),
  fc
    .record({ cells: fc.integer({ min: 0, max: 20_000 }), len: fc.integer({ min: 0, max: 5_000 }) })
    .map(({ cells, len }) => ({
      text: `FINDING_UID;PROVIDER;CHECK_ID;STATUS\n${";".repeat(cells)}"${"x".repeat(len)}"\n`,
      facts: { longestList: 0, depth: 0, longestString: Math.max(len, 11), syntax: "csv" as const },
    })),
);

const limits: fc.Arbitrary<InputLimits> = fc.record({
  maxBytes: fc.integer({ min: 1_000, max: 400_000 }),
  maxFindings: fc.integer({ min: 1, max: 4_000 }),
  maxJsonDepth: fc.integer({ min: 2, max: 200 }),
  maxStringBytes: fc.integer({ min: 16, max: 16_000 }),
  maxTreeBytes: fc.integer({ min: 8_000, max: 2_000_000 }),
});

/** The bounds the input passes that are counted exactly, as what the refusal must say. */
function exactViolations(input: Input, bytes: number, l: InputLimits): RegExp[] {
  const out: RegExp[] = [];
  const { facts } = input;
  if (bytes > l.maxBytes) out.push(/byte cap \(ASPM_MAX_UPLOAD_BYTES\)/);
  if (facts.syntax === "json" && facts.longestList > l.maxFindings)
    out.push(/findings cap \(ASPM_MAX_FINDINGS\)/);
  if (facts.depth > l.maxJsonDepth) out.push(/nesting deeper than/);
  if (facts.longestString > l.maxStringBytes) out.push(/(chars|bytes) exceeds the \d+ cap/);
  return out;
}

const MEMORY = /memory bound/;

describe("input bounds, as a property", () => {
  it("a report within the findings cap or a ParseError, and a refusal naming a bound the input passes", () => {
    fc.assert(
      fc.property(shape, limits, fc.boolean(), (input, l, gzip) => {
        const plain = Buffer.from(input.text);
        const bytes = gzip ? gzipSync(plain) : plain;
        const violated = exactViolations(input, plain.length, l);
        let report: ReturnType<typeof parseReport> | undefined;
        try {
          report = parseReport(bytes, { secretSalt: "p", limits: l });
        } catch (error) {
          if (!(error instanceof ParseError)) throw error;
          if (violated.length) {
            const named = [...violated, MEMORY].some((bound) => bound.test(error.message));
            expect(named, `${error.message} names none of ${violated.join(", ")}`).toBe(true);
          }
          return;
        }
        expect(violated, `returned ${report.count} findings past ${violated.join(", ")}`).toEqual([]);
        expect(report.count).toBeLessThanOrEqual(l.maxFindings);
        for (const finding of report.findings) NormalizedFinding.parse(finding);
      }),
      { seed: 20_250_812, numRuns: 300 },
    );
  }, 120_000);
});
