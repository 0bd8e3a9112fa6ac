import type { APIGatewayProxyEventV2 } from "aws-lambda";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { body, decodeCursor, encodeCursor, HttpError, json } from "#functions/api/http";

function event(raw: string | undefined, isBase64Encoded = false): APIGatewayProxyEventV2 {
  return {
    headers: {},
    isBase64Encoded,
    ...(raw === undefined ? {} : { body: raw }),
  } as APIGatewayProxyEventV2;
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
    expect(body(event('{"appId":"payments","team":"pay"}'), CreateApp)).toEqual({
      appId: "payments",
      team: "pay",
      repos: [],
    });
  });

  it("decodes a base64 body", () => {
    const raw = Buffer.from('{"appId":"payments"}').toString("base64");
    expect(body(event(raw, true), CreateApp)).toEqual({ appId: "payments", repos: [] });
  });

  it("treats a missing body as {}", () => {
    expect(body(event(undefined), z.object({ dryRun: z.boolean().default(false) }))).toEqual({
      dryRun: false,
    });
    expect(failure(() => body(event(undefined), CreateApp)).details).toEqual([
      { path: "appId", message: expect.any(String) },
    ]);
  });

  it.each(["{not json", "{'appId':'a'}", '{"appId":"a",}', "undefined"])(
    "answers 400 on invalid JSON: %s",
    (raw) => {
      const error = failure(() => body(event(raw), CreateApp));
      expect(error.statusCode).toBe(400);
      expect(error.message).toBe("request body is not valid JSON");
    },
  );

  it("answers 400 on base64 that does not decode to JSON", () => {
    const error = failure(() =>
      body(event(Buffer.from([0x1f, 0x8b, 0x08]).toString("base64"), true), CreateApp),
    );
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe("request body is not valid JSON");
  });

  it("answers 400 with the path of every schema issue", () => {
    const error = failure(() =>
      body(
        event('{"appId":"Not Valid","team":7,"repos":[{"url":"https://x.io/r"},{"url":"nope"}]}'),
        CreateApp,
      ),
    );
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe("invalid request");
    const details = error.details as Array<{ path: string; message: string }>;
    expect(details.map((d) => d.path).sort()).toEqual(["appId", "repos.1.url", "team"]);
    for (const d of details) expect(d.message).toEqual(expect.any(String));
  });

  it("answers 400 when the JSON is not an object", () => {
    const error = failure(() => body(event("[1,2]"), CreateApp));
    expect(error.statusCode).toBe(400);
    expect(error.details).toEqual([{ path: "", message: expect.any(String) }]);
  });
});

describe("cursors", () => {
  it("round-trip DynamoDB keys", () => {
    const key = { pk: "APP#payments", sk: "FINDING#0af3", gsi1pk: "TEAM#a#OPEN", gsi1sk: "010#0af3", n: 42 };
    const cursor = encodeCursor(key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual(key);
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
          expect(decodeCursor(encodeCursor(key))).toEqual(normalized);
        },
      ),
    );
  });

  it("are absent when there is no next page", () => {
    expect(encodeCursor(undefined)).toBeUndefined();
    expect(decodeCursor(undefined)).toBeUndefined();
    expect(decodeCursor("")).toBeUndefined();
  });

  it.each([
    ["garbage", "not a cursor!!"],
    ["base64 of text", Buffer.from("hello").toString("base64url")],
    ["base64 of an array", Buffer.from("[1,2]").toString("base64url")],
    ["base64 of a nested object", Buffer.from('{"pk":{"S":"x"}}').toString("base64url")],
    ["base64 of a boolean value", Buffer.from('{"pk":true}').toString("base64url")],
    ["base64 of null", Buffer.from("null").toString("base64url")],
  ])("answer 400 for an invalid cursor: %s", (_, raw) => {
    const error = failure(() => decodeCursor(raw));
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe("invalid cursor");
  });
});
