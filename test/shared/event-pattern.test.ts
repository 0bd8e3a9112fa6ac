import { describe, expect, it } from "vitest";
import { type EventPattern, matchesPattern } from "#shared/event-pattern";
import { DETAIL_TYPES, DOMAIN_SOURCE, rawUploadCreatedPattern } from "#shared/events";

describe("matchesPattern: EventBridge semantics", () => {
  it("treats the values of one field as OR", () => {
    const pattern: EventPattern = { source: ["aws.s3", "aspm"] };
    expect(matchesPattern(pattern, { source: "aws.s3" })).toBe(true);
    expect(matchesPattern(pattern, { source: "aspm" })).toBe(true);
    expect(matchesPattern(pattern, { source: "aws.ec2" })).toBe(false);
  });

  it("treats fields as AND", () => {
    const pattern: EventPattern = { source: ["aspm"], "detail-type": ["Scan Failed"] };
    expect(matchesPattern(pattern, { source: "aspm", "detail-type": "Scan Failed" })).toBe(true);
    expect(matchesPattern(pattern, { source: "aspm", "detail-type": "Scan Processed" })).toBe(false);
    expect(matchesPattern(pattern, { source: "other", "detail-type": "Scan Failed" })).toBe(false);
  });

  it("matches exact values by type: the string '5' is not the number 5, null only matches null", () => {
    expect(matchesPattern({ n: [5] }, { n: 5 })).toBe(true);
    expect(matchesPattern({ n: [5] }, { n: "5" })).toBe(false);
    expect(matchesPattern({ b: [true] }, { b: true })).toBe(true);
    expect(matchesPattern({ b: [true] }, { b: "true" })).toBe(false);
    expect(matchesPattern({ v: [null] }, { v: null })).toBe(true);
    expect(matchesPattern({ v: [null] }, {})).toBe(false);
    expect(matchesPattern({ v: [null] }, { v: "" })).toBe(false);
  });

  it("is case sensitive on exact values", () => {
    expect(matchesPattern({ source: ["aspm"] }, { source: "ASPM" })).toBe(false);
  });

  it("fails a field that the event lacks", () => {
    expect(matchesPattern({ source: ["aspm"] }, { "detail-type": "x" })).toBe(false);
    expect(matchesPattern({ detail: { appId: ["a"] } }, { source: "aspm" })).toBe(false);
  });

  it("matches a prefix on strings only", () => {
    const pattern: EventPattern = { key: [{ prefix: "raw/" }] };
    expect(matchesPattern(pattern, { key: "raw/app/scan" })).toBe(true);
    expect(matchesPattern(pattern, { key: "raw/" })).toBe(true);
    expect(matchesPattern(pattern, { key: "normalized/raw/app" })).toBe(false);
    expect(matchesPattern(pattern, { key: "RAW/app" })).toBe(false);
    expect(matchesPattern(pattern, { key: 42 })).toBe(false);
    expect(matchesPattern(pattern, {})).toBe(false);
  });

  it("matches a suffix on strings only", () => {
    const pattern: EventPattern = { key: [{ suffix: ".json.gz" }] };
    expect(matchesPattern(pattern, { key: "raw/a/report.json.gz" })).toBe(true);
    expect(matchesPattern(pattern, { key: "raw/a/report.json" })).toBe(false);
    expect(matchesPattern(pattern, { key: ["x.json.gz"] })).toBe(true);
    expect(matchesPattern(pattern, { key: 1 })).toBe(false);
  });

  it("exists: true requires the field, exists: false requires its absence", () => {
    expect(matchesPattern({ scanId: [{ exists: true }] }, { scanId: "s1" })).toBe(true);
    expect(matchesPattern({ scanId: [{ exists: true }] }, {})).toBe(false);
    expect(matchesPattern({ scanId: [{ exists: false }] }, {})).toBe(true);
    expect(matchesPattern({ scanId: [{ exists: false }] }, { scanId: "s1" })).toBe(false);
  });

  it("exists: false inside a nested pattern matches when the nested field is missing", () => {
    const pattern: EventPattern = { detail: { failure: [{ exists: false }] } };
    expect(matchesPattern(pattern, { detail: { scanId: "s" } })).toBe(true);
    expect(matchesPattern(pattern, { detail: { failure: { reason: "x" } } })).toBe(false);
  });

  it("anything-but with a single value", () => {
    const pattern: EventPattern = { state: [{ "anything-but": "initializing" }] };
    expect(matchesPattern(pattern, { state: "running" })).toBe(true);
    expect(matchesPattern(pattern, { state: "initializing" })).toBe(false);
    // anything-but never matches a missing field
    expect(matchesPattern(pattern, {})).toBe(false);
  });

  it("anything-but with a list of strings and with numbers", () => {
    const strings: EventPattern = { state: [{ "anything-but": ["stopped", "overloaded"] }] };
    expect(matchesPattern(strings, { state: "running" })).toBe(true);
    expect(matchesPattern(strings, { state: "stopped" })).toBe(false);
    expect(matchesPattern(strings, { state: "overloaded" })).toBe(false);
    const numbers: EventPattern = { code: [{ "anything-but": [400, 404] }] };
    expect(matchesPattern(numbers, { code: 200 })).toBe(true);
    expect(matchesPattern(numbers, { code: 404 })).toBe(false);
    // the number 404 is not the string "404"
    expect(matchesPattern(numbers, { code: "404" })).toBe(true);
  });

  it("numeric ranges: every comparison must hold", () => {
    const range: EventPattern = { size: [{ numeric: [">", 0, "<=", 5] }] };
    expect(matchesPattern(range, { size: 0 })).toBe(false);
    expect(matchesPattern(range, { size: 0.5 })).toBe(true);
    expect(matchesPattern(range, { size: 5 })).toBe(true);
    expect(matchesPattern(range, { size: 5.01 })).toBe(false);
    expect(matchesPattern(range, { size: "3" })).toBe(false);
    expect(matchesPattern(range, {})).toBe(false);

    expect(matchesPattern({ n: [{ numeric: [">=", 10] }] }, { n: 10 })).toBe(true);
    expect(matchesPattern({ n: [{ numeric: [">=", 10] }] }, { n: 9.99 })).toBe(false);
    expect(matchesPattern({ n: [{ numeric: ["<", 10] }] }, { n: 10 })).toBe(false);
    expect(matchesPattern({ n: [{ numeric: ["=", 3.5] }] }, { n: 3.5 })).toBe(true);
    expect(matchesPattern({ n: [{ numeric: ["=", 3.5] }] }, { n: 3.6 })).toBe(false);
  });

  it("an array value in the event matches when any element matches", () => {
    const pattern: EventPattern = { resources: ["arn:a", "arn:b"] };
    expect(matchesPattern(pattern, { resources: ["arn:x", "arn:b"] })).toBe(true);
    expect(matchesPattern(pattern, { resources: ["arn:x", "arn:y"] })).toBe(false);
    expect(matchesPattern(pattern, { resources: [] })).toBe(false);
    expect(matchesPattern({ sizes: [{ numeric: [">", 100] }] }, { sizes: [1, 2, 300] })).toBe(true);
    expect(matchesPattern({ tags: [{ prefix: "team:" }] }, { tags: ["env:prod", "team:pay"] })).toBe(true);
  });

  it("mixes matcher kinds inside one field as OR", () => {
    const pattern: EventPattern = { key: ["exact", { prefix: "raw/" }, { numeric: ["<", 0] }] };
    expect(matchesPattern(pattern, { key: "exact" })).toBe(true);
    expect(matchesPattern(pattern, { key: "raw/x" })).toBe(true);
    expect(matchesPattern(pattern, { key: -1 })).toBe(true);
    expect(matchesPattern(pattern, { key: "other" })).toBe(false);
  });

  it("descends into nested objects, ANDing at every level", () => {
    const pattern: EventPattern = {
      detail: {
        bucket: { name: ["b1"] },
        object: { key: [{ prefix: "raw/" }], size: [{ numeric: [">", 0] }] },
      },
    };
    const event = { detail: { bucket: { name: "b1" }, object: { key: "raw/a", size: 10 } } };
    expect(matchesPattern(pattern, event)).toBe(true);
    expect(matchesPattern(pattern, { detail: { ...event.detail, object: { key: "raw/a", size: 0 } } })).toBe(
      false,
    );
    expect(matchesPattern(pattern, { detail: { bucket: { name: "b1" } } })).toBe(false);
    // a scalar where the pattern expects an object does not match
    expect(matchesPattern(pattern, { detail: "b1" })).toBe(false);
  });

  it("ignores event fields the pattern does not mention and matches everything with an empty pattern", () => {
    expect(matchesPattern({ source: ["aspm"] }, { source: "aspm", extra: { a: 1 } })).toBe(true);
    expect(matchesPattern({}, { anything: 1 })).toBe(true);
  });

  it("never matches an event that is not an object", () => {
    for (const event of [null, undefined, "aspm", 1, ["aspm"]]) {
      expect(matchesPattern({}, event)).toBe(false);
      expect(matchesPattern({ source: ["aspm"] }, event)).toBe(false);
    }
  });
});

function s3ObjectCreated(bucket: string, key: string) {
  return {
    version: "0",
    id: "17793124-05d4-b198-2fde-7ededc63b103",
    "detail-type": "Object Created",
    source: "aws.s3",
    account: "123456789012",
    time: "2026-01-05T10:00:00Z",
    region: "eu-west-1",
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: "0",
      bucket: { name: bucket },
      object: { key, size: 5576, etag: "b1946ac92492d2347c6235b4d2611184", sequencer: "00617F08299329D189" },
      "request-id": "N4N7GDK58NMKJ12R",
      requester: "123456789012",
      reason: "PutObject",
    },
  };
}

describe("rawUploadCreatedPattern", () => {
  const pattern = rawUploadCreatedPattern("aspm-uploads-123");

  it("matches an S3 Object Created event for a raw/ key in the bucket", () => {
    expect(DETAIL_TYPES.objectCreated).toBe("Object Created");
    expect(matchesPattern(pattern, s3ObjectCreated("aspm-uploads-123", "raw/app/scan"))).toBe(true);
    expect(
      matchesPattern(pattern, s3ObjectCreated("aspm-uploads-123", "raw/payments/01J0/report.sarif")),
    ).toBe(true);
  });

  it("does not match another bucket", () => {
    expect(matchesPattern(pattern, s3ObjectCreated("other-bucket", "raw/app/scan"))).toBe(false);
    expect(matchesPattern(pattern, s3ObjectCreated("aspm-uploads-1234", "raw/app/scan"))).toBe(false);
  });

  it("does not match normalized/ keys or keys that only contain raw/", () => {
    expect(matchesPattern(pattern, s3ObjectCreated("aspm-uploads-123", "normalized/app/scan.json"))).toBe(
      false,
    );
    expect(matchesPattern(pattern, s3ObjectCreated("aspm-uploads-123", "normalized/raw/app/scan"))).toBe(
      false,
    );
  });

  it("does not match other detail types or sources", () => {
    const deleted = {
      ...s3ObjectCreated("aspm-uploads-123", "raw/app/scan"),
      "detail-type": "Object Deleted",
    };
    expect(matchesPattern(pattern, deleted)).toBe(false);
    const spoofed = { ...s3ObjectCreated("aspm-uploads-123", "raw/app/scan"), source: DOMAIN_SOURCE };
    expect(matchesPattern(pattern, spoofed)).toBe(false);
  });
});
