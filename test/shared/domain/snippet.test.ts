import { describe, expect, it } from "vitest";
import { shortHash } from "#shared/domain/hash";
import { hashSnippet } from "#shared/domain/snippet";

describe("hashSnippet", () => {
  it("hashes the snippet with its whitespace collapsed, so re-indenting keeps the value", () => {
    expect(hashSnippet("  const a =\n\t b;  ")).toBe(shortHash(["const a = b;"]));
    expect(hashSnippet("const a = b;")).toBe(hashSnippet("const   a = b;"));
    expect(hashSnippet("const a = b;")).not.toBe(hashSnippet("const a = c;"));
  });

  it("has nothing for an empty or blank snippet, also when asked again", () => {
    for (let i = 0; i < 2; i++) {
      expect(hashSnippet("")).toBeUndefined();
      expect(hashSnippet(" \n\t ")).toBeUndefined();
      expect(hashSnippet(undefined)).toBeUndefined();
    }
  });

  it("gives every snippet its own hash past the memo's bound, and the same one when asked again", () => {
    const snippets = Array.from({ length: 20_000 }, (_, i) => `line ${i % 9000} of ${i % 7}`);
    const first = snippets.map(hashSnippet);
    const again = snippets.map(hashSnippet);
    expect(again).toEqual(first);
    expect(first).toEqual(snippets.map((s) => shortHash([s])));
    const long = `${"x".repeat(600)} y`;
    expect(hashSnippet(long)).toBe(shortHash([long]));
    expect(hashSnippet(long)).toBe(shortHash([long]));
  });
});
