import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  checkJsonBounds,
  decodeReport,
  INPUT_LIMITS,
  isRecord,
  readDocument,
  recordsOf,
} from "#shared/parsers/document";
import { ParseError } from "#shared/parsers/parse-error";
import { parseErrorOf } from "#test/support/parser-fixtures";

/** Small bounds for checkJsonBounds (its parameter type is that of INPUT_LIMITS, a const object). */
function limits(over: { maxJsonDepth?: number; maxStringBytes?: number }): typeof INPUT_LIMITS {
  return { ...INPUT_LIMITS, ...over } as unknown as typeof INPUT_LIMITS;
}

const KIB = 1024;
const BOM = [0xef, 0xbb, 0xbf];

describe("decodeReport", () => {
  it("returns plain UTF-8 text as is", () => {
    expect(decodeReport(Buffer.from('{"name":"café"}'))).toBe('{"name":"café"}');
  });

  it("strips one leading UTF-8 byte order mark", () => {
    expect(decodeReport(Buffer.from([...BOM, ...Buffer.from('{"a":1}')]))).toBe('{"a":1}');
    // only the first: a second BOM is content
    expect(decodeReport(Buffer.from([...BOM, ...BOM, 0x7b, 0x7d]))).toBe("\uFEFF{}");
  });

  it("strips the BOM of gzipped text too", () => {
    const gz = gzipSync(Buffer.from([...BOM, ...Buffer.from("<bom/>")]));
    expect(decodeReport(gz)).toBe("<bom/>");
  });

  it("inflates gzip input, recognised by its magic bytes", () => {
    expect(decodeReport(gzipSync(Buffer.from('{"runs":[]}')))).toBe('{"runs":[]}');
  });

  it("refuses a gzip bomb that inflates beyond the cap, while inflating", () => {
    const cap = 64 * KIB;
    const bomb = gzipSync(Buffer.alloc(8 * 1024 * KIB, 0x20)); // 8 MiB of spaces
    expect(bomb.length).toBeLessThan(16 * KIB);
    const error = parseErrorOf(() => decodeReport(bomb, cap));
    expect(error.message).toBe(`gzip input inflates beyond the ${cap} byte cap (ASPM_MAX_UPLOAD_BYTES)`);
  });

  it("accepts gzip input that inflates to exactly the cap, and refuses one byte more", () => {
    const cap = 64 * KIB;
    expect(decodeReport(gzipSync(Buffer.alloc(cap, 0x20)), cap)).toHaveLength(cap);
    expect(() => decodeReport(gzipSync(Buffer.alloc(cap + 1, 0x20)), cap)).toThrow(ParseError);
  });

  it("refuses corrupt gzip with a ParseError", () => {
    const truncated = gzipSync(Buffer.from('{"results":[]}')).subarray(0, 12);
    expect(parseErrorOf(() => decodeReport(truncated)).message).toMatch(/^gzip input is corrupt: /);
  });

  it("refuses plain input larger than the cap", () => {
    const error = parseErrorOf(() => decodeReport(Buffer.alloc(101, 0x20), 100));
    expect(error.message).toBe("input of 101 bytes exceeds the 100 byte cap (ASPM_MAX_UPLOAD_BYTES)");
    expect(decodeReport(Buffer.alloc(100, 0x20), 100)).toHaveLength(100);
  });

  it("decodes empty input to empty text", () => {
    expect(decodeReport(new Uint8Array())).toBe("");
  });

  const utf16le = (text: string) => Buffer.from(text, "utf16le");
  const utf16be = (text: string) => Buffer.from(text, "utf16le").swap16();

  it("decodes UTF-16 LE and BE with a byte order mark (PowerShell's `>` writes UTF-16 LE)", () => {
    const text = '{"name":"café ☕ 𝄞"}';
    expect(decodeReport(Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le(text)]))).toBe(text);
    expect(decodeReport(Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(text)]))).toBe(text);
  });

  it("decodes UTF-16 without a byte order mark from the NUL pattern of its first ASCII characters", () => {
    for (const text of ['{"a":1}', "\n  [1]", "<?xml version='1.0'?><r/>", "A;B;C\n1;2;3"]) {
      expect(decodeReport(utf16le(text))).toBe(text);
      expect(decodeReport(utf16be(text))).toBe(text);
    }
    // UTF-8 text has no NUL: decoded as UTF-8, even when short
    expect(decodeReport(Buffer.from("{}"))).toBe("{}");
    expect(decodeReport(Buffer.from("[1,2]"))).toBe("[1,2]");
  });

  it("decodes gzipped UTF-16", () => {
    const text = '{"runs":[]}';
    expect(decodeReport(gzipSync(Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le(text)])))).toBe(text);
  });

  it("refuses UTF-16 with an odd number of bytes, and UTF-32", () => {
    const odd = Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le("{}"), Buffer.from([0x7d])]);
    expect(parseErrorOf(() => decodeReport(odd)).message).toBe(
      "the input looks like UTF-16 LE but has an odd number of bytes",
    );
    const utf32 = Buffer.from([0xff, 0xfe, 0, 0, 0x7b, 0, 0, 0]);
    expect(parseErrorOf(() => decodeReport(utf32)).message).toBe(
      "the input is UTF-32, which is not supported",
    );
  });
});

describe("checkJsonBounds", () => {
  it("accepts nesting up to the depth bound and refuses one level more, naming the offset", () => {
    const bounds = limits({ maxJsonDepth: 4 });
    expect(() => checkJsonBounds("[[[[]]]]", bounds)).not.toThrow();
    const error = parseErrorOf(() => checkJsonBounds("[[[[[]]]]]", bounds));
    expect(error.message).toBe("JSON nesting deeper than 4 (at offset 4)");
    expect(error.where).toBe("offset 4");
  });

  it("counts objects and arrays alike", () => {
    const bounds = limits({ maxJsonDepth: 4 });
    expect(() => checkJsonBounds('{"a":{"b":[{"c":1}]}}', bounds)).not.toThrow();
    expect(() => checkJsonBounds('{"a":{"b":[{"c":[]}]}}', bounds)).toThrow(ParseError);
  });

  it("measures depth, not the number of brackets: siblings do not add up", () => {
    expect(() => checkJsonBounds("[[],[],[],[],[],[]]", limits({ maxJsonDepth: 2 }))).not.toThrow();
  });

  it("ignores brackets inside strings, escaped quotes included", () => {
    const bounds = limits({ maxJsonDepth: 2 });
    expect(() => checkJsonBounds('["[[[[[[", "{{{{{{"]', bounds)).not.toThrow();
    expect(() => checkJsonBounds('["a\\"[[[[[[", 1]', bounds)).not.toThrow();
    // an escaped backslash does not escape the quote after it: the string ends there
    expect(() => checkJsonBounds('["a\\\\", [[[]]]]', bounds)).toThrow(ParseError);
  });

  it("refuses a string value longer than the string bound, naming where it starts", () => {
    const bounds = limits({ maxStringBytes: 16 });
    expect(() => checkJsonBounds(`{"k":"${"x".repeat(8)}"}`, bounds)).not.toThrow();
    const error = parseErrorOf(() => checkJsonBounds(`{"k":"${"x".repeat(40)}"}`, bounds));
    expect(error.message).toMatch(/^a JSON string of \d+ bytes exceeds the 16 cap \(at offset 5\)$/);
    expect(error.where).toBe("offset 5");
  });

  it("bounds keys like values", () => {
    const bounds = limits({ maxStringBytes: 16 });
    expect(() => checkJsonBounds(`{"${"k".repeat(40)}":1}`, bounds)).toThrow(ParseError);
  });

  it("leaves an unterminated string to JSON.parse, which reports it", () => {
    expect(() => checkJsonBounds('["abc', limits({ maxStringBytes: 2 }))).not.toThrow();
    expect(parseErrorOf(() => readDocument('["abc')).message).toMatch(/^invalid JSON: /);
  });

  it("is applied by readDocument with the default bounds", () => {
    const depth = INPUT_LIMITS.maxJsonDepth;
    const deep = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
    expect(readDocument(deep(depth)).syntax).toBe("json");
    expect(parseErrorOf(() => readDocument(deep(depth + 1))).message).toBe(
      `JSON nesting deeper than ${depth} (at offset ${depth})`,
    );
  });
});

describe("readDocument", () => {
  it("reads JSON objects and arrays, leading whitespace allowed", () => {
    expect(readDocument('  \n{"a":1}')).toEqual({ syntax: "json", value: { a: 1 } });
    expect(readDocument("[1,2]")).toEqual({ syntax: "json", value: [1, 2] });
  });

  it("reads text that had a BOM once decodeReport stripped it", () => {
    const text = decodeReport(Buffer.from([...BOM, ...Buffer.from('{"a":1}')]));
    expect(readDocument(text)).toEqual({ syntax: "json", value: { a: 1 } });
  });

  it("reads several objects, one per line, as JSON Lines", () => {
    expect(readDocument('{"a":1}\n{"b":2}\r\n\n{"c":3}\n')).toEqual({
      syntax: "jsonl",
      values: [{ a: 1 }, { b: 2 }, { c: 3 }],
    });
  });

  it("reads a single JSON Lines record as JSON", () => {
    expect(readDocument('{"a":1}\n')).toEqual({ syntax: "json", value: { a: 1 } });
  });

  it("names the JSON Lines line that is broken, blank lines counted", () => {
    const error = parseErrorOf(() => readDocument('{"a":1}\n\n{"b":}\n{"c":3}\n'));
    expect(error.where).toBe("line 3");
    expect(error.message).toMatch(/^invalid JSON: .* \(at line 3\)$/);
  });

  it("reads the JSON literal null (Go's encoding of an empty list)", () => {
    expect(readDocument("null\n")).toEqual({ syntax: "json", value: null });
    expect(parseErrorOf(() => readDocument("nul")).message).toMatch(/^the input is not JSON/);
  });

  it("refuses empty and whitespace-only input", () => {
    expect(parseErrorOf(() => readDocument("")).message).toBe("the input is empty");
    expect(parseErrorOf(() => readDocument(" \r\n\t ")).message).toBe("the input is empty");
  });

  it("finds the XML root after a DOCTYPE longer than the 4 KB head", () => {
    const elements = Array.from(
      { length: 200 },
      (_, i) => `<!ELEMENT field${i} (#PCDATA)>\n<!ATTLIST field${i} kind CDATA #IMPLIED>`,
    ).join("\n");
    const doctype = `<!DOCTYPE issues [\n<!ELEMENT issues (issue*)>\n${elements}\n]>`;
    expect(doctype.length).toBeGreaterThan(8 * KIB);
    const text = `<?xml version="1.0"?>\n${doctype}\n<issues burpVersion="2024.1"><issue/></issues>`;
    const doc = readDocument(text);
    expect(doc).toMatchObject({ syntax: "xml", root: "issues", bytes: Buffer.from(text) });
    if (doc.syntax !== "xml") throw new Error("not XML");
    // the head is the first 4 KB, for cheap detection; the root lies beyond it
    expect(doc.head).toBe(text.slice(0, 4096));
    expect(doc.head).not.toContain("<issues ");
  });

  it("skips the XML declaration, processing instructions and comments before the root", () => {
    const text = `<?xml version="1.0"?>
<?xml-stylesheet href="report.xsl"?>
<!-- <fake> is not the root -->
<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1"/>`;
    expect(readDocument(text)).toMatchObject({ syntax: "xml", root: "bom" });
  });

  it("keeps a namespace prefix in the root name", () => {
    expect(readDocument("<ns:report xmlns:ns='urn:x'/>")).toMatchObject({ root: "ns:report" });
  });

  it("refuses XML with no root element", () => {
    expect(parseErrorOf(() => readDocument("<!-- nothing here -->")).message).toBe(
      "XML input has no root element",
    );
  });

  it("reads text whose first line has a ';', ',' or tab as CSV", () => {
    for (const text of ["CHECK_ID;STATUS\nx;FAIL", "a,b\r\n1,2", "a\tb\n1\t2"]) {
      const doc = readDocument(text);
      expect(doc).toEqual({ syntax: "csv", head: text, text });
    }
  });

  it("keeps only the first 4 KB of a CSV as its head", () => {
    const text = `a;b\n${"1;2\n".repeat(2000)}`;
    expect(readDocument(text)).toMatchObject({ syntax: "csv", head: text.slice(0, 4096), text });
  });

  it("refuses text that is none of the four syntaxes, quoting its start", () => {
    const error = parseErrorOf(() => readDocument("hello world\nno delimiters here"));
    expect(error.message).toBe(
      'the input is not JSON, JSON Lines, XML or CSV (it starts with "hello world\\nno delimiters here")',
    );
  });
});

describe("recordsOf and isRecord", () => {
  it("gives the records of JSON Lines, a JSON array or one JSON object", () => {
    expect(recordsOf({ syntax: "jsonl", values: [{ a: 1 }, { b: 2 }] })).toEqual([{ a: 1 }, { b: 2 }]);
    expect(recordsOf({ syntax: "json", value: [{ a: 1 }] })).toEqual([{ a: 1 }]);
    expect(recordsOf({ syntax: "json", value: { a: 1 } })).toEqual([{ a: 1 }]);
  });

  it("gives nothing for JSON scalars, XML and CSV", () => {
    expect(recordsOf({ syntax: "json", value: 3 })).toBeUndefined();
    expect(recordsOf({ syntax: "json", value: null })).toBeUndefined();
    expect(recordsOf({ syntax: "xml", root: "a", head: "<a/>", bytes: Buffer.from("<a/>") })).toBeUndefined();
    expect(recordsOf({ syntax: "csv", head: "a;b", text: "a;b" })).toBeUndefined();
  });

  it("isRecord is true for plain objects only", () => {
    expect(isRecord({})).toBe(true);
    expect(isRecord([])).toBe(false);
    expect(isRecord(null)).toBe(false);
    expect(isRecord("x")).toBe(false);
  });
});
