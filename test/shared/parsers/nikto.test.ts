import { describe, expect, it } from "vitest";
import { niktoJson, niktoXml } from "#shared/parsers/nikto";
import { ParseError } from "#shared/parsers/parse-error";
import { loadParserFixture, parseFixtureWith } from "#test/support/parser-fixtures";

const ctx = { secretSalt: "unit-test-salt" };

describe("nikto-json", () => {
  const parse = (name: string) => parseFixtureWith(niktoJson, `nikto-json/${name}`, ctx);

  it("detects 2.5 host arrays and 2.1.x host objects; not other arrays of objects", () => {
    expect(niktoJson.detect(loadParserFixture("nikto-json/nikto-2.1.6.json"))).toBe(true);
    expect(niktoJson.detect({ syntax: "json", value: [] })).toBe(false);
    expect(niktoJson.detect({ syntax: "json", value: [{ host: "x", vulnerabilities: [] }] })).toBe(false);
  });

  it("maps Nikto 2.5 items: test id as rule, URL from host and port, method, references, a named CVE", () => {
    const { tool, findings } = parse("nikto-2.5.json");
    expect(tool).toEqual({ name: "Nikto" });
    expect(findings.map((f) => [f.rule.id, f.location.url])).toEqual([
      ["999986", "https://shop.example.com/"],
      ["000494", "https://shop.example.com/"],
      ["001234", "https://shop.example.com/admin/"],
    ]);
    expect(findings[0]).toMatchObject({
      category: "dast",
      severity: "low",
      // the URI prefix Nikto puts before the message is not part of the title
      title: "The anti-clickjacking X-Frame-Options header is not present.",
      description: "/: The anti-clickjacking X-Frame-Options header is not present.",
      location: { method: "GET" },
      references: ["https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/X-Frame-Options"],
    });
    expect(findings[1]?.vulnerability).toEqual({ id: "CVE-2003-1418", aliases: [] });
    expect(findings[2]?.vulnerability).toBeUndefined();
  });

  it("maps Nikto 2.1.x: numeric ids, OSVDB tag, default port left out", () => {
    const [header, icons] = parse("nikto-2.1.6.json").findings;
    expect(header).toMatchObject({
      rule: { id: "999957" },
      location: { url: "http://legacy.example.com/" },
      tags: [],
    });
    expect(icons).toMatchObject({
      rule: { id: "3268" },
      title: "Directory indexing found.",
      location: { url: "http://legacy.example.com/icons/", method: "GET" },
      tags: ["OSVDB-3268"],
    });
  });

  it("reads a host without items as zero findings and fails on an item without a message", () => {
    expect(parse("no-findings.json").findings).toEqual([]);
    const doc = {
      syntax: "json" as const,
      value: [{ host: "h", port: "80", banner: "", vulnerabilities: [{ id: "1", url: "/" }] }],
    };
    expect(() => niktoJson.parse(doc, ctx)).toThrow(ParseError);
    expect(() => niktoJson.parse(doc, ctx)).toThrow(/\[0\]\.vulnerabilities\[0\]\.msg/);
  });
});

describe("nikto-xml", () => {
  const parse = (name: string) => parseFixtureWith(niktoXml, `nikto-xml/${name}`, ctx);

  it("maps items of 2.5's niktoscans: the same URL spelling and rule as the JSON report", () => {
    const { tool, findings } = parse("nikto-2.5.xml");
    expect(tool).toEqual({ name: "Nikto", version: "2.5.0" });
    expect(findings).toHaveLength(2);
    expect(findings[1]).toMatchObject({
      category: "dast",
      rule: { id: "001234" },
      title: "This might be interesting.",
      severity: "low",
      location: { url: "https://shop.example.com/backup/", method: "GET" },
      references: ["https://owasp.org/www-project-web-security-testing-guide/"],
      tags: ["OSVDB-3092"],
    });
    expect(findings[0]?.tags).toEqual([]);
  });

  it("reads a 2.1 niktoscan without items as zero findings", () => {
    expect(niktoXml.detect(loadParserFixture("nikto-xml/nikto-2.1-no-items.xml"))).toBe(true);
    expect(parse("nikto-2.1-no-items.xml")).toEqual({
      tool: { name: "Nikto", version: "2.1.5" },
      findings: [],
    });
  });
});
