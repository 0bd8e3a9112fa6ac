import { createHmac, timingSafeEqual } from "node:crypto";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { verifyHubSignature } from "#functions/api/auth";
import { HttpError } from "#functions/api/http";
import { type ApiDeps, dispatch, isSignedRoute } from "#functions/api/routes";

vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:crypto")>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const SECRET = "jira-webhook-shared-secret";
const BODY = Buffer.from('{"webhookEvent":"jira:issue_updated","issue":{"key":"SEC-1"}}');
const sign = (body: Buffer, secret = SECRET) =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

describe("verifyHubSignature (Jira's X-Hub-Signature)", () => {
  beforeEach(() => {
    vi.mocked(timingSafeEqual).mockClear();
  });

  it("accepts sha256=<hex HMAC of the raw body> with the shared secret, comparing in constant time", () => {
    expect(verifyHubSignature(BODY, sign(BODY), SECRET)).toBe(true);
    expect(verifyHubSignature(BODY, sign(BODY).toUpperCase().replace("SHA256=", "sha256="), SECRET)).toBe(
      true,
    );
    expect(timingSafeEqual).toHaveBeenCalledTimes(2);
  });

  it.each([
    ["no header", undefined],
    ["an empty header", ""],
    ["another secret", sign(BODY, "other-secret")],
    ["the signature of another body", sign(Buffer.from(`${BODY} `))],
    ["another algorithm", sign(BODY).replace("sha256=", "sha1=")],
    ["a bare digest", sign(BODY).slice("sha256=".length)],
    ["a truncated digest", sign(BODY).slice(0, -2)],
    ["non-hex characters", `sha256=${"z".repeat(64)}`],
  ])("refuses %s", (_, header) => {
    expect(verifyHubSignature(BODY, header, SECRET)).toBe(false);
  });

  it("refuses everything when no secret is configured", () => {
    expect(verifyHubSignature(BODY, sign(BODY, ""), "")).toBe(false);
  });
});

function event(method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  return {
    rawPath: path,
    headers,
    requestContext: { http: { method } },
    ...(body ? { body, isBase64Encoded: false } : {}),
  } as unknown as APIGatewayProxyEventV2;
}

describe("the webhook route", () => {
  it("is the only route that skips the bearer token, for its method and path only", () => {
    expect(isSignedRoute(event("POST", "/v1/integrations/jira/webhook"))).toBe(true);
    expect(isSignedRoute(event("POST", "/v1/integrations/jira/webhook/"))).toBe(true);
    expect(isSignedRoute(event("GET", "/v1/integrations/jira/webhook"))).toBe(false);
    expect(isSignedRoute(event("POST", "/v1/uploads"))).toBe(false);
    expect(isSignedRoute(event("GET", "/v1/apps"))).toBe(false);
  });

  const deps = (webhook?: ApiDeps["jiraWebhook"]) =>
    ({ ...(webhook ? { jiraWebhook: webhook } : {}) }) as unknown as ApiDeps;
  const failure = async (run: Promise<unknown>) => {
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HttpError);
    return error as HttpError;
  };

  it("answers 404 when Jira is not configured, 401 on a bad signature, 400 without a delivery id", async () => {
    const path = "/v1/integrations/jira/webhook";
    expect((await failure(dispatch(deps(), event("POST", path, {}, BODY.toString())))).statusCode).toBe(404);
    const webhook = { secret: async () => SECRET };
    const unsigned = event("POST", path, {}, BODY.toString());
    expect((await failure(dispatch(deps(webhook), unsigned))).statusCode).toBe(401);
    const signed = event("POST", path, { "x-hub-signature": sign(BODY) }, BODY.toString());
    const missingId = await failure(dispatch(deps(webhook), signed));
    expect(missingId.statusCode).toBe(400);
    expect(missingId.message).toMatch(/X-Atlassian-Webhook-Identifier/);
  });
});
