import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { newSortableId } from "#shared/domain/ids";

const CROCKFORD = /^[0-9A-HJKMNP-TV-Z]{26}$/;

function decodeTime(id: string): number {
  const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  return [...id.slice(0, 10)].reduce((t, c) => t * 32 + alphabet.indexOf(c), 0);
}

describe("newSortableId", () => {
  it("is 26 Crockford base32 characters (no I, L, O, U)", () => {
    for (let i = 0; i < 200; i++) expect(newSortableId()).toMatch(CROCKFORD);
  });

  it("encodes the time as a ULID does", () => {
    // the ULID spec's example: 1469918176385 → 01ARYZ6S41
    expect(newSortableId(1469918176385).slice(0, 10)).toBe("01ARYZ6S41");
    expect(newSortableId(0).slice(0, 10)).toBe("0000000000");
    expect(decodeTime(newSortableId(1_767_225_600_000))).toBe(1_767_225_600_000);
  });

  it("uses the current time by default", () => {
    const before = Date.now();
    const id = newSortableId();
    const after = Date.now();
    expect(decodeTime(id)).toBeGreaterThanOrEqual(before);
    expect(decodeTime(id)).toBeLessThanOrEqual(after);
  });

  it("sorts by time as a plain string", () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 48 - 2 }), fc.integer({ min: 1, max: 2 ** 40 }), (t, dt) => {
        const later = Math.min(t + dt, 2 ** 48 - 1);
        expect(newSortableId(t) < newSortableId(later)).toBe(true);
      }),
    );
  });

  it("differs within one millisecond", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newSortableId(1_767_225_600_000)));
    expect(ids.size).toBe(1000);
  });
});
