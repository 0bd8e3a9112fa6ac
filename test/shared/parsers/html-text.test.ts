import { describe, expect, it } from "vitest";
import { htmlLinks, htmlToText } from "#shared/parsers/html-text";

describe("htmlToText", () => {
  it("turns block ends into line breaks, drops tags and decodes entities", () => {
    expect(
      htmlToText("<p>One &amp; two</p><p>It&#39;s <b>bold</b>&#x21;</p><ul><li>a</li><li>b</li></ul>"),
    ).toBe("One & two\nIt's bold!\na\nb");
  });

  it("collapses blank runs and returns undefined for empty input", () => {
    expect(htmlToText("  <p>  spaced \t out  </p>  <p></p> ")).toBe("spaced out");
    expect(htmlToText("<p></p>")).toBeUndefined();
    expect(htmlToText(undefined)).toBeUndefined();
  });

  it("keeps unknown entities as written and drops invalid code points", () => {
    expect(htmlToText("&xxe; &#0; &copy2")).toBe("&xxe; &copy2");
  });
});

describe("htmlLinks", () => {
  it("prefers href targets, else bare URLs in the text", () => {
    expect(htmlLinks('<a href="https://a.test/x">A</a> https://ignored.test')).toEqual(["https://a.test/x"]);
    expect(htmlLinks("<p>https://b.test/1</p><p>http://c.test/2?q=1</p>")).toEqual([
      "https://b.test/1",
      "http://c.test/2?q=1",
    ]);
    expect(htmlLinks("")).toEqual([]);
  });
});
