import { constants } from "node:buffer";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { csvDelimiter, parseCsv } from "#shared/parsers/csv";
import {
  byteCap,
  checkJsonBounds,
  INPUT_LIMITS,
  type InputLimits,
  inputLimits,
  readDocument,
} from "#shared/parsers/document";
import { parseJsonLazily } from "#shared/parsers/lazy-json";
import { ParseError } from "#shared/parsers/parse-error";
import { parseReport } from "#shared/parsers/registry";
import { checkXmlBounds } from "#shared/parsers/xml-bounds";
import { GzipJsonArrayWriter, gzipJson, ObjectTooLargeError } from "#shared/store/blob-store";

/** The ParseError `fn` throws; fails the test if it throws nothing or something else. */
function parseErrorOf(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ParseError) return error;
    throw error;
  }
  throw new Error("expected a ParseError, nothing was thrown");
}

function limits(over: Partial<InputLimits>): InputLimits {
  return { ...INPUT_LIMITS, ...over };
}

const CTX = { secretSalt: "bounds" };

describe("size caps", () => {
  it("never lets the byte cap pass V8's longest string, which the text could not be decoded into", () => {
    expect(byteCap(256)).toBe(256);
    expect(byteCap(2 ** 32)).toBe(constants.MAX_STRING_LENGTH);
    expect(INPUT_LIMITS.maxBytes).toBe(256 * 1024 * 1024);
  });

  it("takes overrides that are positive integers and ignores the rest", () => {
    expect(inputLimits({ maxFindings: 5, maxBytes: undefined })).toEqual({ ...INPUT_LIMITS, maxFindings: 5 });
    expect(inputLimits({ maxFindings: 0, maxBytes: -1, maxTreeBytes: 1.5 })).toEqual(INPUT_LIMITS);
  });

  it("applies the caps parseReport is given: a plain upload over the size cap names ASPM_MAX_UPLOAD_BYTES", () => {
    const error = parseErrorOf(() =>
      parseReport(Buffer.from("[1,2,3]"), { ...CTX, limits: { maxBytes: 4 } }),
    );
    expect(error.message).toBe("input of 7 bytes exceeds the 4 byte cap (ASPM_MAX_UPLOAD_BYTES)");
  });
});

describe("JSON element counts", () => {
  const three = limits({ maxFindings: 3 });

  it("allows up to the findings cap of elements in each array, and refuses one more at the array's offset", () => {
    expect(() => checkJsonBounds("[1,2,3]", three)).not.toThrow();
    const error = parseErrorOf(() => checkJsonBounds('{"a":[1,"x",{},[]]}', three));
    expect(error.message).toBe(
      "a JSON array of more than 3 elements exceeds the findings cap (ASPM_MAX_FINDINGS) (at offset 5)",
    );
  });

  it("counts each array on its own, and never an object's members", () => {
    expect(() => checkJsonBounds("[[1,2,3],[1,2,3],[[1,2,3]]]", three)).not.toThrow();
    expect(() => checkJsonBounds('{"a":1,"b":2,"c":3,"d":4,"e":[1,2,3]}', three)).not.toThrow();
    expect(() => checkJsonBounds('[" , , , "]', three)).not.toThrow();
  });

  it("counts JSON Lines records against the findings cap", () => {
    expect(readDocument('{"a":1}\n{"a":2}\n{"a":3}\n', three)).toMatchObject({ syntax: "jsonl" });
    const error = parseErrorOf(() => readDocument('{"a":1}\n{"a":2}\n{"a":3}\n{"a":4}\n', three));
    expect(error.message).toMatch(
      /^more than 3 top-level JSON values \(JSON Lines records\) exceed the findings cap/,
    );
  });

  it("reads JSON Lines with many blank lines without a line array", () => {
    const text = `{"a":1}\n${"\n".repeat(100_000)}{"a":2}\n`;
    expect(readDocument(text)).toEqual({ syntax: "jsonl", values: [{ a: 1 }, { a: 2 }] });
  });

  it("bounds the spans of the arrays parsed lazily at twice the findings cap, all arrays together", () => {
    const big = `[${Array.from({ length: 400_000 }, () => "{}").join(",")}]`; // 1.2 MB: lazy
    const cap = limits({ maxFindings: 500_000 });
    expect(parseJsonLazily(Buffer.from(`{"a":${big},"b":${big}}`), cap).value).toMatchObject({});
    const error = parseErrorOf(() => parseJsonLazily(Buffer.from(`{"a":${big},"b":${big},"c":${big}}`), cap));
    expect(error.message).toMatch(
      /^the large JSON arrays hold more than 1000000 elements in all, twice the findings cap \(ASPM_MAX_FINDINGS\)/,
    );
  });
});

describe("JSON tree memory", () => {
  it("refuses a document whose parsed tree would pass the memory bound, before JSON.parse", () => {
    const objects = `[0,${Array.from({ length: 10_000 }, () => "{}").join(",")}]`;
    expect(() => checkJsonBounds(objects, limits({ maxTreeBytes: 1024 * 1024 }))).not.toThrow();
    const error = parseErrorOf(() => checkJsonBounds(objects, limits({ maxTreeBytes: 256 * 1024 })));
    expect(error.message).toMatch(
      /^the parsed report would need about 1 MiB of memory, above the 1 MiB memory bound$/,
    );
  });

  it("charges empty objects far more than the bytes of text they take, and strings their length", () => {
    const estimate = (text: string): number => {
      for (let cap = 1024; ; cap *= 2) {
        try {
          checkJsonBounds(text, limits({ maxTreeBytes: cap }));
          return cap;
        } catch (error) {
          if (!(error instanceof ParseError)) throw error;
        }
      }
    };
    const n = 20_000;
    const empties = `[0,${"{},".repeat(n)}0]`;
    const zeros = `[${"0,".repeat(n)}0]`;
    const strings = `[0,${`"${"x".repeat(60)}",`.repeat(n)}0]`;
    expect(estimate(empties) / empties.length).toBeGreaterThan(10);
    expect(estimate(zeros) / zeros.length).toBeLessThan(estimate(empties) / empties.length);
    expect(estimate(strings)).toBeGreaterThan(60 * n);
  });

  it("leaves the elements of lazy arrays out of the tree, and bounds them when a parser needs them whole", () => {
    // a Grype report and a SARIF log of the same 40,000 small entries, past the lazy threshold
    const matches = Array.from(
      { length: 40_000 },
      (_, i) =>
        `{"vulnerability":{"id":"CVE-2024-${i}","severity":"High","description":"${"t".repeat(160)}"},"artifact":{"name":"p${i}","version":"1.0.${i}","type":"npm"}}`,
    ).join(",");
    const grype = Buffer.from(`{"matches":[${matches}],"descriptor":{"name":"grype"}}`);
    const results = Array.from(
      { length: 40_000 },
      (_, i) => `{"ruleId":"r${i % 50}","message":{"text":"${"m".repeat(200)} ${i}"}}`,
    ).join(",");
    const sarif = Buffer.from(
      `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[${results}]}]}`,
    );
    expect(grype.length).toBeGreaterThan(8 * 1024 * 1024);
    expect(sarif.length).toBeGreaterThan(8 * 1024 * 1024);
    const tight = { ...CTX, limits: { maxTreeBytes: 8 * 1024 * 1024 } };
    // the SARIF parser walks its results lazily: its tree is the skeleton
    expect(parseReport(sarif, tight).count).toBe(40_000);
    // the Grype parser reads plain arrays: the whole tree must fit
    expect(parseErrorOf(() => parseReport(grype, tight)).message).toMatch(/memory bound$/);
    expect(parseReport(grype, CTX).count).toBe(40_000);
  });
});

describe("long lists within the bounds", () => {
  it("parse: a JSON Lines report past the lazy threshold is read line by line, from its bytes", () => {
    const line = readFileSync(resolve("test/fixtures/parsers/nuclei-json/results-v2.jsonl"), "utf8")
      .split("\n")
      .find((l) => l.trim());
    const lines = Array.from({ length: Math.ceil((9 * 1024 * 1024) / (line?.length ?? 1)) }, () => line);
    const text = `${lines.join("\n")}\n`;
    expect(text.length).toBeGreaterThan(8 * 1024 * 1024);
    const report = parseReport(Buffer.from(text), CTX);
    expect(report.format).toBe("nuclei-json");
    expect(report.count).toBe(lines.length);
  });

  it("parse: big JSON Lines of a parser that reads plain arrays are all parsed first, a malformed line refused", () => {
    const lines = readFileSync(resolve("test/fixtures/parsers/trufflehog-json/git.jsonl"), "utf8")
      .split("\n")
      .filter((l) => l.trim());
    // whole copies of the fixture, past the lazy threshold
    const many = Array.from(
      { length: Math.ceil((9 * 1024 * 1024) / lines.join("\n").length) },
      () => lines,
    ).flat();
    const text = many.join("\n");
    expect(text.length).toBeGreaterThan(8 * 1024 * 1024);
    const report = parseReport(Buffer.from(text), CTX);
    expect(report.format).toBe("trufflehog-json");
    const small = parseReport(Buffer.from(lines.join("\n")), CTX);
    expect(report.count).toBe((small.count / lines.length) * many.length);
    many[7000] = "{oops}";
    // as for a small report: before detection, naming no format
    expect(parseErrorOf(() => parseReport(Buffer.from(many.join("\n")), CTX)).message).toMatch(
      /^invalid JSON: .* \(at line 7001\)$/,
    );
  });

  it("parse: a pre-SchemaVersion Trivy array of 60,000 small results, read lazily", () => {
    const result = (i: number) =>
      `{"Target":"app/package-lock.json","Type":"npm","Vulnerabilities":[{"VulnerabilityID":"CVE-2024-${i}","PkgName":"p${i}","InstalledVersion":"1.0.0","Severity":"LOW","Description":"${"d".repeat(100)}"}]}`;
    const text = `[${Array.from({ length: 60_000 }, (_, i) => result(i)).join(",")}]`;
    expect(text.length).toBeGreaterThan(8 * 1024 * 1024);
    const report = parseReport(Buffer.from(text), CTX);
    expect(report.format).toBe("trivy-json");
    expect(report.count).toBe(60_000);
    expect(report.findings[59_999]?.vulnerability?.id).toBe("CVE-2024-59999");
  });

  it("parse: a Trivy result of 200,000 vulnerabilities (no spread of a list into call arguments)", () => {
    const vuln = '{"VulnerabilityID":"CVE-1","PkgName":"p","InstalledVersion":"1","Severity":"LOW"}';
    const text = `{"SchemaVersion":2,"Results":[{"Target":"t","Type":"npm","Vulnerabilities":[${Array(200_000).fill(vuln).join(",")}]}]}`;
    expect(parseReport(Buffer.from(text), CTX).count).toBe(200_000);
  });
});

describe("the findings cap", () => {
  // two runs of two results: no list longer than 2, four findings
  const run = {
    tool: { driver: { name: "x" } },
    results: [1, 2].map((i) => ({ ruleId: `r${i}`, message: { text: "m" } })),
  };
  const sarif = Buffer.from(JSON.stringify({ version: "2.1.0", runs: [run, run] }));

  it("allows a report of exactly the cap and refuses one finding more, naming ASPM_MAX_FINDINGS", () => {
    expect(parseReport(sarif, { ...CTX, limits: { maxFindings: 4 } }).count).toBe(4);
    const error = parseErrorOf(() => parseReport(sarif, { ...CTX, limits: { maxFindings: 3 } }));
    expect(error.message).toBe(
      "sarif: the report has more than 3 findings, above the findings cap (ASPM_MAX_FINDINGS)",
    );
  });

  it("counts per report: a refused parse does not eat into the next one's cap", () => {
    expect(() => parseReport(sarif, { ...CTX, limits: { maxFindings: 1 } })).toThrow(ParseError);
    expect(parseReport(sarif, { ...CTX, limits: { maxFindings: 4 } }).count).toBe(4);
    expect(parseReport(sarif, CTX).count).toBe(4);
  });
});

describe("XML bounds", () => {
  const check = (xml: string, over: Partial<InputLimits> = {}) =>
    checkXmlBounds(Buffer.from(xml), xml.indexOf("<r"), limits(over));

  it("refuses nesting deeper than the depth bound; self-closing and closed elements do not nest", () => {
    expect(() => check("<r><a><b/></a><a></a></r>", { maxJsonDepth: 2 })).not.toThrow();
    expect(parseErrorOf(() => check("<r><a><b></b></a></r>", { maxJsonDepth: 2 })).message).toBe(
      "XML nesting deeper than 2 (at offset 6)",
    );
  });

  it("refuses a text, attribute value or CDATA section longer than the string bound", () => {
    const over = { maxStringBytes: 8 };
    expect(() => check("<r a='12345678'>12345678<![CDATA[12345678]]></r>", over)).not.toThrow();
    expect(parseErrorOf(() => check("<r>123456789</r>", over)).message).toMatch(/^an XML text of 9 chars/);
    expect(parseErrorOf(() => check('<r a="123456789"/>', over)).message).toMatch(
      /^an XML attribute value of 9/,
    );
    expect(parseErrorOf(() => check("<r><![CDATA[123456789]]></r>", over)).message).toMatch(
      /^an XML CDATA section of 9 chars/,
    );
  });

  it("reads '>' and '<' inside quoted attribute values, comments and CDATA as text", () => {
    expect(() =>
      check(`<r a="<b><b><b>" b='>'><!-- <c><c><c> --><![CDATA[<d><d><d>]]></r>`, { maxJsonDepth: 1 }),
    ).not.toThrow();
  });

  it("refuses an element flood by the memory its tree would need, before a tree-building parser runs", () => {
    const flood = `<OWASPZAPReport>${"<a/>".repeat(20_000)}</OWASPZAPReport>`;
    expect(checkXmlBounds(Buffer.from(flood), 0, limits({}))).toBeGreaterThan(20_000 * 256);
    const tight = { ...CTX, limits: { maxTreeBytes: 1024 * 1024 } };
    expect(parseErrorOf(() => parseReport(Buffer.from(flood), tight, "zap-xml")).message).toMatch(
      /^the parsed XML would need about \d+ MiB of memory, above the 1 MiB memory bound$/,
    );
  });

  it("holds a record-streaming XML parser to the bound per record, not per document", () => {
    const head = `<?xml version="1.0"?><analysis xmlns="https://jeremylong.github.io/DependencyCheck/dependency-check.4.0.xsd"><scanInfo><engineVersion>10.0.4</engineVersion></scanInfo><dependencies>`;
    const dependency = (inner: string) =>
      `<dependency isVirtual="false"><fileName>a.jar</fileName>${inner}</dependency>`;
    const many = `${head}${dependency("").repeat(20_000)}</dependencies></analysis>`;
    const tight = { ...CTX, limits: { maxTreeBytes: 1024 * 1024 } };
    expect(parseReport(Buffer.from(many), tight).count).toBe(0);
    // one record holding the flood: refused, naming where it starts
    const one = `${head}${dependency(`<identifiers>${"<package/>".repeat(20_000)}</identifiers>`)}</dependencies></analysis>`;
    expect(parseErrorOf(() => parseReport(Buffer.from(one), tight)).message).toMatch(
      /^dependency-check-xml: the <dependency> at offset \d+ would need about \d+ MiB of memory, above the 1 MiB memory bound$/,
    );
    // the reader holds what it builds to the depth and string bounds itself, skipped parts to the depth
    const deep = `${head}${dependency(`<identifiers>${"<x>".repeat(40)}${"</x>".repeat(40)}</identifiers>`)}</dependencies></analysis>`;
    expect(
      parseErrorOf(() => parseReport(Buffer.from(deep), { ...CTX, limits: { maxJsonDepth: 30 } })).message,
    ).toMatch(/^dependency-check-xml: XML nesting deeper than 30 \(at offset \d+\)$/);
    const deepSkipped = deep.replaceAll("identifiers>", "evidenceCollected>");
    expect(
      parseErrorOf(() => parseReport(Buffer.from(deepSkipped), { ...CTX, limits: { maxJsonDepth: 30 } }))
        .message,
    ).toMatch(/XML nesting deeper than 30/);
    const vulnerability = (description: string) =>
      `<vulnerabilities><vulnerability><name>CVE-2024-1</name><description>${description}</description></vulnerability></vulnerabilities>`;
    const long = `${head}${dependency(vulnerability("d".repeat(300)))}</dependencies></analysis>`;
    const short = { ...CTX, limits: { maxStringBytes: 200 } };
    expect(parseErrorOf(() => parseReport(Buffer.from(long), short)).message).toMatch(
      /^dependency-check-xml: an XML text of 300 chars exceeds the 200 cap/,
    );
    expect(parseReport(Buffer.from(long.replace("d".repeat(300), "d")), short).count).toBe(1);
    // a text the mapper never reads is never made into a string
    const unread = `${head}${dependency(`<description>${"d".repeat(300)}</description>`)}</dependencies></analysis>`;
    expect(parseReport(Buffer.from(unread), short).count).toBe(0);
    const longAttribute = long
      .replace('isVirtual="false"', `isVirtual="${"f".repeat(300)}"`)
      .replace("d".repeat(300), "");
    expect(parseErrorOf(() => parseReport(Buffer.from(longAttribute), short)).message).toMatch(
      /an XML attribute value of 300 chars exceeds the 200 cap/,
    );
    // what the mapper never reads is never built, so it costs nothing against the bound
    const evidence = `${head}${dependency(`<evidenceCollected>${"<evidence/>".repeat(20_000)}</evidenceCollected>`)}</dependencies></analysis>`;
    expect(parseReport(Buffer.from(evidence), tight).count).toBe(0);
  });
});

describe("CSV", () => {
  it("reads quoted fields with delimiters, line ends and doubled quotes, CRLF and LF, skipping blank lines", () => {
    const text = 'a;b;c\r\n"x;y";"line\nbreak";"say ""hi"""\n\n1;;3\n4;5;';
    expect(parseCsv(text, ";", "f")).toEqual([
      ["a", "b", "c"],
      ["x;y", "line\nbreak", 'say "hi"'],
      ["1", "", "3"],
      ["4", "5", ""],
    ]);
  });

  it("keeps a quote inside an unquoted field, and text after a closing quote", () => {
    expect(parseCsv('a"b;"c"d\n', ";", "f")).toEqual([['a"b', "cd"]]);
  });

  it("names the line of an unterminated quoted field", () => {
    expect(parseErrorOf(() => parseCsv('a;b\n1;"2\n3\n', ";", "f")).message).toBe(
      "f: unterminated quoted CSV field (at line 2)",
    );
  });

  it("refuses, as readDocument reads it, a field longer than the string bound and rows past the memory bound", () => {
    const header = "FINDING_UID;PROVIDER;CHECK_ID;STATUS\n";
    expect(
      parseErrorOf(() => readDocument(`${header}a;"${"x".repeat(20)}"\n`, limits({ maxStringBytes: 15 })))
        .message,
    ).toBe("a CSV field of 20 chars exceeds the 15 cap (at line 2)");
    const flood = `${header}${";".repeat(100_000)}\n`;
    expect(readDocument(flood)).toMatchObject({ syntax: "csv" });
    expect(parseErrorOf(() => readDocument(flood, limits({ maxTreeBytes: 1024 * 1024 }))).message).toMatch(
      /^the parsed report would need about \d+ MiB of memory, above the 1 MiB memory bound$/,
    );
  });

  it("leaves an unterminated quote to the parser, which names the format and line", () => {
    const text = 'FINDING_UID;PROVIDER;CHECK_ID;STATUS\n1;"2\n';
    expect(readDocument(text)).toMatchObject({ syntax: "csv" });
    expect(parseErrorOf(() => parseReport(Buffer.from(text), CTX)).message).toBe(
      "prowler-csv: unterminated quoted CSV field (at line 2)",
    );
  });

  it("takes the delimiter that is most frequent in the header line", () => {
    expect(csvDelimiter("a;b;c,d\n1,2,3,4,5")).toBe(";");
    expect(csvDelimiter("a,b,c\n")).toBe(",");
    expect(csvDelimiter("a\tb\tc;d")).toBe("\t");
  });
});

describe("gzipJson", () => {
  it("writes what JSON.stringify writes, in gzip members a reader inflates as one stream", () => {
    const findings = Array.from({ length: 80_000 }, (_, i) => ({
      id: i,
      title: `finding ${i} ${"é".repeat(i % 7)} ${"of a long title ".repeat(4)}`,
      skipped: undefined,
      tags: i % 2 ? [] : ["a", undefined],
    }));
    for (const value of [
      { format: "sarif", tool: { name: "x" }, count: findings.length, findings, gone: undefined },
      findings,
      [],
      { a: [] },
      "text",
      null,
    ]) {
      const gz = gzipJson(value);
      expect(gunzipSync(gz).toString("utf8")).toBe(JSON.stringify(value));
    }
    const gz = gzipJson({ findings });
    let members = 0;
    for (let i = 0; i + 1 < gz.length; i++)
      if (gz[i] === 0x1f && gz[i + 1] === 0x8b && gz[i + 2] === 8) members++;
    expect(members).toBeGreaterThan(1);
  });

  it("refuses JSON longer than a reader could decode back, as an ObjectTooLargeError", () => {
    expect(() => gzipJson({ findings: ["x".repeat(100)] }, 50)).toThrow(
      "the JSON is longer than 50 chars, the longest string a reader can decode",
    );
  });
});

describe("GzipJsonArrayWriter", () => {
  it("writes the object JSON.stringify would, its array first, element by element", () => {
    for (const n of [0, 1, 255, 256, 257, 3_000]) {
      const items = Array.from({ length: n }, (_, i) => ({
        i,
        text: `item ${i} ${"ü".repeat(i % 3)}`,
        gone: undefined,
      }));
      const writer = new GzipJsonArrayWriter<(typeof items)[number]>("findings");
      for (const item of items) writer.add(item);
      const rest = { format: "f", tool: { name: "t" }, count: n, artifact: undefined };
      const text = gunzipSync(writer.finish(rest)).toString("utf8");
      expect(text).toBe(JSON.stringify({ findings: items, ...rest }));
    }
    const bare = new GzipJsonArrayWriter<number>("xs");
    bare.add(1);
    expect(gunzipSync(bare.finish({})).toString("utf8")).toBe('{"xs":[1]}');
  });

  it("refuses, as it writes, JSON longer than a reader could decode back", () => {
    const writer = new GzipJsonArrayWriter<string>("findings", 1_000);
    expect(() => {
      for (let i = 0; i < 1_000; i++) writer.add("x".repeat(20));
    }).toThrow(ObjectTooLargeError);
  });
});
