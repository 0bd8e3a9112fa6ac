import { createHash, timingSafeEqual } from "node:crypto";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { authenticate, sha256Hex } from "#functions/api/auth";
import { HttpError } from "#functions/api/http";

vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:crypto")>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const TOKEN = "aspm_9f86d081884c7d659a2feaa0c55ad015";
const DIGEST = createHash("sha256").update(TOKEN).digest("hex");

function event(headers: Record<string, string>): APIGatewayProxyEventV2 {
  return { headers } as unknown as APIGatewayProxyEventV2;
}

function failure(fn: () => void): HttpError {
  try {
    fn();
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error("expected an HttpError");
}

describe("sha256Hex", () => {
  it("is the hex sha256 of the value", () => {
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

describe("authenticate", () => {
  beforeEach(() => {
    vi.mocked(timingSafeEqual).mockClear();
  });

  it("accepts the token whose sha256 is configured", () => {
    expect(() => authenticate(event({ authorization: `Bearer ${TOKEN}` }), DIGEST)).not.toThrow();
  });

  it("accepts the scheme in any case, extra spaces, the capitalised header and an upper-case digest", () => {
    expect(() => authenticate(event({ authorization: `bearer   ${TOKEN}` }), DIGEST)).not.toThrow();
    expect(() =>
      authenticate(event({ Authorization: `BEARER ${TOKEN}` }), DIGEST.toUpperCase()),
    ).not.toThrow();
  });

  it.each([
    ["no header", {}],
    ["an empty header", { authorization: "" }],
    ["Basic auth", { authorization: `Basic ${Buffer.from("u:p").toString("base64")}` }],
    ["a bare token", { authorization: TOKEN }],
    ["an empty bearer", { authorization: "Bearer " }],
    ["two tokens", { authorization: `Bearer ${TOKEN} other` }],
  ])("answers 401 'missing bearer token' for %s", (_, headers) => {
    const error = failure(() => authenticate(event(headers), DIGEST));
    expect(error.statusCode).toBe(401);
    expect(error.message).toBe("missing bearer token");
  });

  it.each([
    ["a wrong token", `Bearer ${TOKEN}x`],
    ["the digest itself presented as the token", `Bearer ${DIGEST}`],
  ])("answers 401 'invalid token' for %s", (_, authorization) => {
    const error = failure(() => authenticate(event({ authorization }), DIGEST));
    expect(error.statusCode).toBe(401);
    expect(error.message).toBe("invalid token");
  });

  it("rejects everything when the configured value is not a sha256 digest", () => {
    for (const configured of [TOKEN, "", "not-hex", DIGEST.slice(0, 62)]) {
      const error = failure(() => authenticate(event({ authorization: `Bearer ${TOKEN}` }), configured));
      expect(error.statusCode).toBe(401);
      expect(error.message).toBe("invalid token");
    }
  });

  it("compares the 32-byte digests in constant time, never the token", () => {
    authenticate(event({ authorization: `Bearer ${TOKEN}` }), DIGEST);
    const calls = vi.mocked(timingSafeEqual).mock.calls;
    expect(calls).toHaveLength(1);
    const [presented, expected] = calls[0] as unknown as [Buffer, Buffer];
    expect(presented.length).toBe(32);
    expect(expected.length).toBe(32);
    expect(presented.toString("hex")).toBe(DIGEST);
    expect(expected.toString("hex")).toBe(DIGEST);
    expect(presented.includes(Buffer.from(TOKEN))).toBe(false);

    vi.mocked(timingSafeEqual).mockClear();
    failure(() => authenticate(event({ authorization: "Bearer wrong" }), DIGEST));
    const [wrong] = vi.mocked(timingSafeEqual).mock.calls[0] as unknown as [Buffer];
    expect(wrong.toString("hex")).toBe(sha256Hex("wrong"));
  });
});
