import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { ParseError } from "#shared/parsers/parse-error";
import { readProlog } from "#shared/parsers/xml-prolog";
import { forEachXmlRecord, readXmlTree, type XmlNode } from "#shared/parsers/xml-records";

const FIXTURES = resolve(import.meta.dirname, "../../fixtures/parsers");
const LIMITS = { maxTreeBytes: 64 * 1024 * 1024 };

/** Every XML fixture that is well-formed (fast-xml-parser reads it). */
function xmlFixtures(): Array<{ name: string; text: string }> {
  const out: Array<{ name: string; text: string }> = [];
  for (const dir of readdirSync(FIXTURES)) {
    if (!dir.endsWith("-xml")) continue;
    for (const file of readdirSync(resolve(FIXTURES, dir))) {
      if (!file.endsWith(".xml") || file.startsWith("malformed")) continue;
      out.push({ name: `${dir}/${file}`, text: readFileSync(resolve(FIXTURES, dir, file), "utf8") });
    }
  }
  return out;
}

/**
 * The oracle: fast-xml-parser, with the options our mappers were written against.
 */
function reference(text: string): XmlNode {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    textNodeName: "#text",
    processEntities: true,
    htmlEntities: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    removeNSPrefix: true,
  });
  // from the root element on: the oracle never sees a DOCTYPE either
  return parser.parse(text.slice(readProlog(text).rootStart)) as XmlNode;
}

function readAll(text: string, records: string[], skip?: Set<string>) {
  const seen: unknown[] = [];
  const document = forEachXmlRecord(text, "test", { records, skip, limits: LIMITS }, (r) => seen.push(r));
  return { document, records: seen };
}

function errorOf(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ParseError) return error;
    throw error;
  }
  throw new Error("expected a ParseError");
}

describe("forEachXmlRecord", () => {
  const fixtures = xmlFixtures();

  it("builds the tree fast-xml-parser builds, for every XML fixture of every format", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(15);
    for (const { name, text } of fixtures) {
      const { document, records } = readAll(text, ["no-such-root"]);
      expect(records, name).toEqual([]);
      expect(document, name).toEqual(reference(text));
    }
  });

  it("hands over each record in order and leaves it out of the document", () => {
    const text = readFileSync(resolve(FIXTURES, "dependency-check-xml/report.xml"), "utf8");
    const { document, records } = readAll(text, ["analysis", "dependencies", "dependency"]);
    const whole = reference(text) as { analysis: { dependencies: { dependency: unknown } } };
    const expected = whole.analysis.dependencies.dependency;
    expect(records).toEqual(Array.isArray(expected) ? expected : [expected]);
    expect(records.length).toBeGreaterThan(1);
    expect((document.analysis as XmlNode).scanInfo).toEqual((whole.analysis as XmlNode).scanInfo);
    expect((document.analysis as XmlNode).dependencies).toBe("");
  });

  it("shows the root as read so far to each record: a header before the records is complete", () => {
    const text = `<r><head v="1">h</head><list><item>a</item><item>b</item></list><tail/></r>`;
    const roots: unknown[] = [];
    forEachXmlRecord(text, "t", { records: ["r", "list", "item"], limits: LIMITS }, (rec, i, root) =>
      roots.push([rec, i, structuredClone(root)]),
    );
    expect(roots).toEqual([
      ["a", 0, { head: { "@_v": "1", "#text": "h" } }],
      ["b", 1, { head: { "@_v": "1", "#text": "h" } }],
    ]);
  });

  it("steps over skipped subtrees without reading them: nested, with quotes, comments and CDATA inside", () => {
    const text = `<r><x a="1"><skip q='>'><skip><![CDATA[</skip>]]><!-- </skip> --><y/></skip></skip><z>kept</z></x></r>`;
    const { document } = readAll(text, ["r", "x"].concat("none"), new Set(["skip"]));
    expect(document).toEqual({ r: { x: { "@_a": "1", z: "kept" } } });
  });

  it("decodes the predefined entities, character references and common HTML names, and leaves other names as written", () => {
    const text = `<r a="&quot;x&quot; &amp; &#x41;">&lt;b&gt; &#65;&#x1F600; &apos;&nbsp;&unknown; &amp;amp; &hellip;&euro;</r>`;
    expect(readAll(text, ["none"]).document).toEqual({
      r: { "@_a": '"x" & A', "#text": "<b> A\u{1F600} '\u00a0&unknown; &amp; \u2026\u20ac" },
    });
    const html = ["nbsp", "copy", "reg", "trade", "mdash", "ndash", "hellip", "laquo", "raquo", "lsquo"]
      .concat(["rsquo", "ldquo", "rdquo", "bull", "para", "sect", "deg", "frac12", "frac14", "frac34"])
      .concat(["cent", "pound", "yen", "euro", "curren", "dollar"]);
    const all = `<r>${html.map((name) => `&${name};`).join(" ")}</r>`;
    expect(readXmlTree(all, "t")).toEqual(reference(all));
  });

  it("keeps elements named __proto__ or constructor as plain own members", () => {
    const { document } = readAll(
      "<r><__proto__>x</__proto__><constructor>y</constructor><constructor>z</constructor></r>",
      ["none"],
    );
    const r = document.r as XmlNode;
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(r, "__proto__")?.value).toBe("x");
    expect(r.constructor).toEqual(["y", "z"]);
  });

  it("removes namespace prefixes and drops xmlns attributes, as parseXml does", () => {
    const text = `<ns:r xmlns:ns="urn:x" xmlns="urn:y" ns:a="1"><ns:c>t</ns:c></ns:r>`;
    expect(readAll(text, ["none"]).document).toEqual({ r: { "@_a": "1", c: "t" } });
  });

  it("refuses malformed XML with a clear error and its offset", () => {
    expect(errorOf(() => readAll("<r><a></b></r>", ["none"])).message).toBe(
      "test: invalid XML: </b> does not close <a> (at offset 6)",
    );
    expect(errorOf(() => readAll("<r><a></ab></r>", ["none"])).message).toMatch(/<\/ab> does not close <a>/);
    expect(errorOf(() => readAll("<r><ab></a></r>", ["none"])).message).toMatch(/<\/a> does not close <ab>/);
    expect(readAll("<r><x:a></x:a ></r>", ["none"]).document).toEqual({ r: { a: "" } });
    expect(errorOf(() => readAll("<r><a>", ["none"])).message).toMatch(/<a> is never closed/);
    expect(errorOf(() => readAll(`<r a="1></r>`, ["none"])).message).toMatch(/unterminated attribute value/);
    expect(errorOf(() => readAll(`<r a=1></r>`, ["none"])).message).toMatch(/attribute a is not quoted/);
    expect(errorOf(() => readAll(`<r><!-- x </r>`, ["none"])).message).toMatch(/unterminated comment/);
    expect(errorOf(() => readAll(`<r><!DOCTYPE r></r>`, ["none"])).message).toMatch(
      /DOCTYPE after its root element/,
    );
    expect(errorOf(() => readAll(`<r>< a/></r>`, ["none"])).where).toBe("offset 3");
  });

  it("never reads a DOCTYPE before the root, so its entities are never expanded", () => {
    const text = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "boom">]><r>&e;</r>`;
    expect(readAll(text, ["none"]).document).toEqual({ r: "&e;" });
  });
});
