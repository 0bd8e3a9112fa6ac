import { describe, expect, it } from "vitest";
import { printable } from "#shared/domain/printable";

describe("printable", () => {
  it("turns terminal escapes, carriage returns and forged lines into visible escapes", () => {
    const crafted = 'key "\u001b[2J\u001b[31mpwned\u001b[0m"\r\nscan 01X: processed\u0007';
    const out = printable(crafted);
    expect([...out].every((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f)).toBe(true);
    expect(out).toBe('key "\\u001b[2J\\u001b[31mpwned\\u001b[0m"\\u000d\\u000ascan 01X: processed\\u0007');
  });

  it("escapes C1 controls and bidi overrides, keeps ordinary text, and bounds the length", () => {
    expect(printable("a\u009bb\u202ec")).toBe("a\\u009bb\\u202ec");
    expect(printable("Ünïcode ✓ text")).toBe("Ünïcode ✓ text");
    expect(printable("x".repeat(50), 10)).toBe(`${"x".repeat(10)}…`);
  });
});
