import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { ParseError } from "#shared/parsers/parse-error";
import { XmlCursor } from "#shared/parsers/xml-cursor";
import { readProlog } from "#shared/parsers/xml-prolog";
import { readXmlTree, type XmlNode } from "#shared/parsers/xml-tree";

const FIXTURES = resolve(import.meta.dirname, "../../fixtures/parsers");

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

function tree(text: string): XmlNode {
  return readXmlTree(Buffer.from(text), "test");
}

/** What a cursor walk sees: each element as `name[attrs](text|children)`, skipping `skip`. */
function walk(cursor: XmlCursor, skip: ReadonlySet<string> = new Set()): string {
  const parts: string[] = [];
  while (cursor.next()) {
    const name = cursor.name;
    const before = cursor.text;
    if (before) parts.push(JSON.stringify(before));
    const attrs: string[] = [];
    cursor.attributes((k, v) => attrs.push(`${k}=${v}`));
    const head = `${name}${attrs.length ? `[${attrs.join(",")}]` : ""}`;
    if (skip.has(name)) {
      cursor.skip();
      parts.push(`${head}-`);
    } else parts.push(`${head}(${walk(cursor, skip)})`);
  }
  if (cursor.text) parts.push(JSON.stringify(cursor.text));
  return parts.join(" ");
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

describe("readXmlTree", () => {
  const fixtures = xmlFixtures();

  it("builds the tree fast-xml-parser builds, for every XML fixture of every format", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(15);
    for (const { name, text } of fixtures) expect(tree(text), name).toEqual(reference(text));
  });

  it("reads UTF-8 text and names beyond ASCII, with byte offsets in errors", () => {
    const text = `<r a="é"><ü>naïve ☃ &amp; 😀</ü><b>x</b></r>`;
    expect(tree(text)).toEqual(reference(text));
    // "<r><ü>" is 7 bytes: the bad end tag starts at byte 8 (char 7)
    expect(errorOf(() => tree("<r><ü>x</b></r>")).where).toBe("offset 8");
  });

  it("always makes arrays of the names asked, and keeps text beside children", () => {
    const text = "<r><item>a</item> t1 <one/> t2 </r>";
    expect(readXmlTree(Buffer.from(text), "t", new Set(["item"]))).toEqual({
      r: { item: ["a"], one: "", "#text": "t1t2" },
    });
  });
  it("decodes the predefined entities, character references and common HTML names, and leaves other names as written", () => {
    const text = `<r a="&quot;x&quot; &amp; &#x41;">&lt;b&gt; &#65;&#x1F600; &apos;&nbsp;&unknown; &amp;amp; &hellip;&euro;</r>`;
    expect(tree(text)).toEqual({
      r: { "@_a": '"x" & A', "#text": "<b> A\u{1F600} '\u00a0&unknown; &amp; \u2026\u20ac" },
    });
    const html = ["nbsp", "copy", "reg", "trade", "mdash", "ndash", "hellip", "laquo", "raquo", "lsquo"]
      .concat(["rsquo", "ldquo", "rdquo", "bull", "para", "sect", "deg", "frac12", "frac14", "frac34"])
      .concat(["cent", "pound", "yen", "euro", "curren", "dollar"]);
    const all = `<r>${html.map((name) => `&${name};`).join(" ")}</r>`;
    expect(tree(all)).toEqual(reference(all));
  });

  it("keeps elements named __proto__ or constructor as plain own members", () => {
    const document = tree(
      "<r><__proto__>x</__proto__><constructor>y</constructor><constructor>z</constructor></r>",
    );
    const r = document.r as XmlNode;
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(r, "__proto__")?.value).toBe("x");
    expect(r.constructor).toEqual(["y", "z"]);
  });

  it("removes namespace prefixes and drops xmlns attributes, as parseXml does", () => {
    const text = `<ns:r xmlns:ns="urn:x" xmlns="urn:y" ns:a="1"><ns:c>t</ns:c></ns:r>`;
    expect(tree(text)).toEqual({ r: { "@_a": "1", c: "t" } });
  });

  it("refuses malformed XML with a clear error and its offset", () => {
    expect(errorOf(() => tree("<r><a></b></r>")).message).toBe(
      "test: invalid XML: </b> does not close <a> (at offset 6)",
    );
    expect(errorOf(() => tree("<r><a></ab></r>")).message).toMatch(/<\/ab> does not close <a>/);
    expect(errorOf(() => tree("<r><ab></a></r>")).message).toMatch(/<\/a> does not close <ab>/);
    expect(tree("<r><x:a></x:a ></r>")).toEqual({ r: { a: "" } });
    expect(errorOf(() => tree("<r><a>")).message).toMatch(/<a> is never closed/);
    expect(errorOf(() => tree(`<r a="1></r>`)).message).toMatch(/unterminated attribute value/);
    expect(errorOf(() => tree(`<r a=1></r>`)).message).toMatch(/attribute a is not quoted/);
    expect(errorOf(() => tree(`<r><!-- x </r>`)).message).toMatch(/unterminated comment/);
    expect(errorOf(() => tree(`<r><!DOCTYPE r></r>`)).message).toMatch(/DOCTYPE after its root element/);
    expect(errorOf(() => tree(`<r>< a/></r>`)).where).toBe("offset 3");
  });

  it("never reads a DOCTYPE before the root, so its entities are never expanded", () => {
    const text = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "boom">]><r>&e;</r>`;
    expect(tree(text)).toEqual({ r: "&e;" });
  });
});

describe("XmlCursor", () => {
  const cursorOf = (text: string, limits = {}) => new XmlCursor(Buffer.from(text), "t", limits);

  it("walks elements in document order with their text and attributes, and stops after the root", () => {
    const cursor = cursorOf(`<?xml version="1.0"?><r v="1"> a <x k='2'>b</x> c <y/></r><!-- after -->`);
    expect(walk(cursor)).toBe(`r[v=1]("a" x[k=2]("b") "c" y())`);
    expect(cursor.next()).toBe(false);
  });

  it("steps over skipped subtrees without reading them: nested, with quotes, comments and CDATA inside", () => {
    const text = `<r><x a="1"><skip q='>'><skip><![CDATA[</skip>]]><!-- </skip> --><y/></skip></skip><z>kept</z></x></r>`;
    expect(walk(cursorOf(text), new Set(["skip"]))).toBe(`r(x[a=1](skip[q=>]- z("kept")))`);
  });

  it("reads an element's own text, its children skipped, whatever the end tag's spacing", () => {
    const cursor = cursorOf(`<r><a> one <b>no</b> two <![CDATA[<3>]]></a ><c>&lt;x&gt;</c><d/></r>`);
    const read: string[] = [];
    cursor.next();
    while (cursor.next()) read.push(`${cursor.name}=${cursor.readText()}`);
    expect(read).toEqual(["a=onetwo<3>", "c=<x>", "d="]);
  });

  it("interns names without mixing up the many that share a slot", () => {
    const names = Array.from({ length: 2000 }, (_, i) => `n${i.toString(36)}`);
    const text = `<r>${names.map((n) => `<${n}>${n}</${n}>`).join("")}${names.map((n) => `<${n}/>`).join("")}</r>`;
    const cursor = cursorOf(text);
    cursor.next();
    const seen: string[] = [];
    while (cursor.next()) {
      const name = cursor.name;
      const value = cursor.readText();
      seen.push(value ? `${name}:${value}` : name);
    }
    expect(seen).toEqual([...names.map((n) => `${n}:${n}`), ...names]);
  });

  it("holds nesting, texts and attribute values to the bounds, skipped parts to the depth", () => {
    const deep = `<r>${"<a>".repeat(5)}${"</a>".repeat(5)}</r>`;
    expect(() => walk(cursorOf(deep, { maxJsonDepth: 5 }))).toThrow(/XML nesting deeper than 5/);
    expect(() => walk(cursorOf(deep, { maxJsonDepth: 6 }))).not.toThrow();
    expect(() => walk(cursorOf(deep, { maxJsonDepth: 5 }), new Set(["a"]))).toThrow(/nesting deeper than 5/);
    expect(() => walk(cursorOf(`<r>${"x".repeat(11)}</r>`, { maxStringBytes: 10 }))).toThrow(
      /an XML text of 11 chars exceeds the 10 cap/,
    );
    const cursor = cursorOf(`<r a="${"x".repeat(11)}"/>`, { maxStringBytes: 10 });
    cursor.next();
    expect(() => cursor.attr("a")).toThrow(/an XML attribute value of 11 chars exceeds the 10 cap/);
  });

  it("meters the elements a caller reads of one element, naming it and its offset", () => {
    const cursor = cursorOf(`<r><rec>${"<i/>".repeat(10)}</rec><rec><i/></rec></r>`);
    cursor.next();
    cursor.next();
    cursor.meter({ maxTreeBytes: 5 * 256 });
    expect(() => walk(cursor)).toThrow(/^the <rec> at offset 3 would need about/);
  });
});

describe("XmlCursor values", () => {
  const cursorOf = (text: string) => {
    const cursor = new XmlCursor(Buffer.from(text), "t");
    cursor.next();
    return cursor;
  };

  it("reads numbers as Number reads their text, decimals from the bytes", () => {
    const texts = [
      "0",
      "7",
      "7.5",
      "9.8",
      "10.0",
      "0.1",
      "3.3",
      "123456789012345",
      "1234567.891",
      " 4.2 ",
    ].concat(["1e3", "-2.5", "+1", "0x10", "1.2.3", "", "12345678901234567890", "5."]);
    const cursor = cursorOf(`<r>${texts.map((t) => `<n>${t}</n>`).join("")}<n/><n>1<!-- c -->2</n></r>`);
    const read: Array<number | string | undefined> = [];
    while (cursor.next()) {
      try {
        read.push(cursor.readNumber("n"));
      } catch (error) {
        read.push((error as ParseError).message);
      }
    }
    const expected = texts.map((t) =>
      t === ""
        ? undefined
        : Number.isNaN(Number(t))
          ? `t: unexpected report shape: expected a number, got "${t}" (at n)`
          : Number(t),
    );
    expect(read).toEqual([...expected, undefined, 12]);
  });

  it("shares short texts and attribute values met again, and never mixes up ones that share a slot", () => {
    const words = Array.from({ length: 3000 }, (_, i) => `w${(i * 7919).toString(36)}`);
    const all = [...words, ...words, "a&amp;b", "a&amp;b", "é", "é"];
    const cursor = cursorOf(`<r>${all.map((w) => `<v k="${w}">${w}</v>`).join("")}</r>`);
    const texts: string[] = [];
    const attrs: Array<string | undefined> = [];
    while (cursor.next()) {
      attrs.push(cursor.attr("k", true));
      texts.push(cursor.readText(true));
    }
    const decoded = all.map((w) => w.replace("&amp;", "&"));
    expect(texts).toEqual(decoded);
    expect(attrs).toEqual(decoded);
  });

  it("reads one attribute by its local name, whatever its prefix, and none that is absent", () => {
    const cursor = cursorOf(`<r xmlns:x="urn:x" x:a="1" b = '2' c="&lt;"/>`);
    expect([
      cursor.attr("a"),
      cursor.attr("b"),
      cursor.attr("c"),
      cursor.attr("d"),
      cursor.attr("xmlns"),
    ]).toEqual(["1", "2", "<", undefined, undefined]);
  });
});
