import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { decodeCursor, encodeCursor, HttpError, json, parseJsonBody, validated } from "#functions/api/http";

/** What the router does with a request body: JSON text (empty: {}), then the route's schema. */
function body<S extends z.ZodType>(raw: string | undefined, schema: S) {
  return validated("body", schema, parseJsonBody(raw ?? ""));
}

function failure(fn: () => unknown): HttpError {
  try {
    fn();
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error("expected an HttpError");
}

const CreateApp = z.object({
  appId: z.string().regex(/^[a-z0-9-]+$/),
  team: z.string().optional(),
  repos: z.array(z.object({ url: z.string().url() })).default([]),
});

describe("json", () => {
  it("serialises the body with no-store caching and extra headers", () => {
    expect(json(201, { ok: true }, { location: "/v1/apps/a" })).toEqual({
      statusCode: 201,
      headers: { "content-type": "application/json", "cache-control": "no-store", location: "/v1/apps/a" },
      body: '{"ok":true}',
    });
  });
});

describe("body", () => {
  it("parses and validates a JSON body, applying schema defaults", () => {
    expect(body('{"appId":"payments","team":"pay"}', CreateApp)).toEqual({
      appId: "payments",
      team: "pay",
      repos: [],
    });
  });

  it("treats a missing body as {}", () => {
    expect(body(undefined, z.object({ dryRun: z.boolean().default(false) }))).toEqual({
      dryRun: false,
    });
    expect(failure(() => body(undefined, CreateApp)).details).toEqual([
      { path: "appId", message: expect.any(String) },
    ]);
  });

  it.each(["{not json", "{'appId':'a'}", '{"appId":"a",}', "undefined"])(
    "answers 400 on invalid JSON: %s",
    (raw) => {
      const error = failure(() => body(raw, CreateApp));
      expect(error.statusCode).toBe(400);
      expect(error.message).toBe("request body is not valid JSON");
    },
  );

  it("answers 400 with the path of every schema issue", () => {
    const error = failure(() =>
      body('{"appId":"Not Valid","team":7,"repos":[{"url":"https://x.io/r"},{"url":"nope"}]}', CreateApp),
    );
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe("invalid body");
    const details = error.details as Array<{ path: string; message: string }>;
    expect(details.map((d) => d.path).sort()).toEqual(["appId", "repos.1.url", "team"]);
    for (const d of details) expect(d.message).toEqual(expect.any(String));
  });

  it("answers 400 when the JSON is not an object", () => {
    const error = failure(() => body("[1,2]", CreateApp));
    expect(error.statusCode).toBe(400);
    expect(error.details).toEqual([{ path: "", message: expect.any(String) }]);
  });
});

describe("cursors", () => {
  it("round-trip DynamoDB keys", () => {
    const key = { pk: "APP#payments", sk: "FINDING#0af3", gsi1pk: "TEAM#a#OPEN", gsi1sk: "010#0af3", n: 42 };
    const cursor = encodeCursor(key, "findings:payments");
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, "findings:payments")).toEqual(key);
  });

  it("answer 400 when replayed on another query (another app's cursor)", () => {
    const cursor = encodeCursor({ pk: "APP#payments", sk: "FINDING#0af3" }, "scans:payments");
    const error = failure(() => decodeCursor(cursor, "scans:storefront"));
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe("the cursor belongs to another query");
  });

  it("round-trip any string/number key (property)", () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          // DynamoDB attribute names; "__proto__" cannot be an own key of a parsed record
          fc.string().filter((k) => k !== "__proto__"),
          fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
        ),
        (key) => {
          // JSON has no -0
          const normalized = JSON.parse(JSON.stringify(key)) as Record<string, string | number>;
          expect(decodeCursor(encodeCursor(key, "q"), "q")).toEqual(normalized);
        },
      ),
    );
  });

  it("are absent when there is no next page", () => {
    expect(encodeCursor(undefined, "q")).toBeUndefined();
    expect(decodeCursor(undefined, "q")).toBeUndefined();
    expect(decodeCursor("", "q")).toBeUndefined();
  });

  it.each([
    ["garbage", "not a cursor!!"],
    ["base64 of text", Buffer.from("hello").toString("base64url")],
    ["base64 of an array", Buffer.from("[1,2]").toString("base64url")],
    ["base64 of a nested object", Buffer.from('{"pk":{"S":"x"}}').toString("base64url")],
    ["base64 of a boolean value", Buffer.from('{"pk":true}').toString("base64url")],
    ["base64 of null", Buffer.from("null").toString("base64url")],
  ])("answer 400 for an invalid cursor: %s", (_, raw) => {
    const error = failure(() => decodeCursor(raw, "q"));
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe("invalid cursor");
  });
});
