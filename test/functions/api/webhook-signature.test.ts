import { createHmac, timingSafeEqual } from "node:crypto";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { makeHandler } from "#functions/api/handler";
import type { ApiDeps } from "#functions/api/route";
import { verifyHubSignature } from "#functions/api/webhook-signature";

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
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: "",
    headers: { host: "api.example.com", ...headers },
    requestContext: {
      accountId: "000000000000",
      apiId: "api",
      domainName: "api.example.com",
      domainPrefix: "api",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "test" },
      requestId: "r",
      routeKey: "$default",
      stage: "$default",
      time: "04/Dec/2026:00:00:00 +0000",
      timeEpoch: 0,
    },
    isBase64Encoded: false,
    ...(body ? { body } : {}),
  } as APIGatewayProxyEventV2;
}

describe("the webhook route", () => {
  const call = async (webhook: ApiDeps["jiraWebhook"] | undefined, e: APIGatewayProxyEventV2) => {
    const deps = {
      ...(webhook ? { jiraWebhook: webhook } : {}),
      // any bearer-token check would fail: the route must not ask for one
      adminToken: async () => {
        throw new Error("the webhook route asked for the admin token");
      },
    } as unknown as ApiDeps;
    const response = (await makeHandler(() => deps)(e, {} as Context)) as APIGatewayProxyStructuredResultV2;
    return { status: response.statusCode, body: String(response.body) };
  };

  it("answers 404 when Jira is not configured, 401 on a bad signature, 400 without a delivery id", async () => {
    const path = "/v1/integrations/jira/webhook";
    expect((await call(undefined, event("POST", path, {}, BODY.toString()))).status).toBe(404);
    const rejected: string[] = [];
    const webhook = { secret: async () => SECRET, rejected: (why: string) => rejected.push(why) };
    expect((await call(webhook, event("POST", path, {}, BODY.toString()))).status).toBe(401);
    const wrong = event("POST", path, { "x-hub-signature": sign(BODY, "other") }, BODY.toString());
    expect((await call(webhook, wrong)).status).toBe(401);
    expect(rejected).toHaveLength(2);
    const signed = event("POST", path, { "x-hub-signature": sign(BODY) }, BODY.toString());
    const missingId = await call(webhook, signed);
    expect(missingId.status).toBe(400);
    expect(missingId.body).toMatch(/X-Atlassian-Webhook-Identifier/);
  });

  it("is the only route without a bearer token: other routes still ask for one", async () => {
    const webhook = { secret: async () => SECRET };
    expect((await call(webhook, event("GET", "/v1/apps"))).status).toBe(401);
    expect((await call(webhook, event("GET", "/v1/integrations/jira/webhook"))).status).toBe(404);
  });
});
