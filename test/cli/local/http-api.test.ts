import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { LOCAL_ACCOUNT } from "#cli/local/event-bus";
import { toApiGatewayEvent } from "#cli/local/http-api";

function request(over: {
  url?: string;
  method?: string;
  headers?: Record<string, string | string[] | undefined>;
  httpVersion?: string;
  remoteAddress?: string;
}): IncomingMessage {
  return {
    url: over.url ?? "/",
    method: over.method ?? "GET",
    headers: over.headers ?? {},
    httpVersion: over.httpVersion ?? "1.1",
    socket: { remoteAddress: over.remoteAddress ?? "127.0.0.1" },
  } as unknown as IncomingMessage;
}

describe("toApiGatewayEvent", () => {
  it("builds a payload 2.0 event for the $default route", () => {
    const event = toApiGatewayEvent(request({ url: "/v1/apps/payments/scans" }), Buffer.alloc(0));
    expect(event.version).toBe("2.0");
    expect(event.routeKey).toBe("$default");
    expect(event.rawPath).toBe("/v1/apps/payments/scans");
    expect(event.rawQueryString).toBe("");
    expect(event.requestContext.routeKey).toBe("$default");
    expect(event.requestContext.stage).toBe("$default");
    expect(event.requestContext.accountId).toBe(LOCAL_ACCOUNT);
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("lower-cases header names and joins repeated headers with commas", () => {
    const event = toApiGatewayEvent(
      request({
        headers: {
          "Content-Type": "application/json",
          Authorization: "Bearer t0k",
          "X-Forwarded-For": ["10.0.0.1", "10.0.0.2"],
          "x-absent": undefined,
        },
      }),
      Buffer.alloc(0),
    );
    expect(event.headers).toEqual({
      "content-type": "application/json",
      authorization: "Bearer t0k",
      "x-forwarded-for": "10.0.0.1,10.0.0.2",
    });
  });

  it("parses the query string, decoding values and joining repeated keys", () => {
    const event = toApiGatewayEvent(
      request({ url: "/v1/findings?status=open&team=team%20a&priority=P1&priority=P2&empty=" }),
      Buffer.alloc(0),
    );
    expect(event.rawPath).toBe("/v1/findings");
    expect(event.rawQueryString).toBe("status=open&team=team%20a&priority=P1&priority=P2&empty=");
    expect(event.queryStringParameters).toEqual({
      status: "open",
      team: "team a",
      priority: "P1,P2",
      empty: "",
    });
  });

  it("leaves queryStringParameters out when there is no query", () => {
    const event = toApiGatewayEvent(request({ url: "/v1/apps" }), Buffer.alloc(0));
    expect("queryStringParameters" in event).toBe(false);
  });

  it("passes textual bodies as UTF-8", () => {
    for (const contentType of [
      "application/json",
      "application/json; charset=utf-8",
      "text/plain",
      "application/xml",
      "application/x-www-form-urlencoded",
      "application/sarif+json",
    ]) {
      const body = Buffer.from('{"name":"café"}');
      const event = toApiGatewayEvent(
        request({ method: "POST", headers: { "content-type": contentType } }),
        body,
      );
      expect(event.body).toBe('{"name":"café"}');
      expect(event.isBase64Encoded).toBe(false);
    }
  });

  it("base64-encodes binary bodies so they survive byte for byte", () => {
    const gzip = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0x00, 0x80, 0xfe]);
    for (const headers of [
      { "content-type": "application/gzip" },
      { "content-type": "application/octet-stream" },
      {},
    ]) {
      const event = toApiGatewayEvent(request({ method: "PUT", headers }), gzip);
      expect(event.isBase64Encoded).toBe(true);
      expect(Buffer.from(event.body ?? "", "base64")).toEqual(gzip);
    }
  });

  it("has no body for an empty request", () => {
    const event = toApiGatewayEvent(
      request({ method: "POST", headers: { "content-type": "application/gzip" } }),
      Buffer.alloc(0),
    );
    expect(event.body).toBeUndefined();
    expect(event.isBase64Encoded).toBe(false);
  });

  it("fills requestContext.http from the request", () => {
    const before = Date.now();
    const event = toApiGatewayEvent(
      request({
        url: "/v1/scans/01J?x=1",
        method: "DELETE",
        httpVersion: "1.0",
        remoteAddress: "10.1.2.3",
        headers: { "user-agent": "aspm-cli/0.1.0", host: "127.0.0.1:4000" },
      }),
      Buffer.alloc(0),
    );
    expect(event.requestContext.http).toEqual({
      method: "DELETE",
      path: "/v1/scans/01J",
      protocol: "HTTP/1.0",
      sourceIp: "10.1.2.3",
      userAgent: "aspm-cli/0.1.0",
    });
    expect(event.requestContext.domainName).toBe("127.0.0.1:4000");
    expect(event.requestContext.timeEpoch).toBeGreaterThanOrEqual(before);
    expect(event.requestContext.timeEpoch).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(event.requestContext.time)).toBe(
      Math.floor(event.requestContext.timeEpoch / 1000) * 1000,
    );
  });

  it("defaults the user agent and domain when the client sends none", () => {
    const event = toApiGatewayEvent(request({}), Buffer.alloc(0));
    expect(event.requestContext.http.userAgent).toBe("");
    expect(event.requestContext.domainName).toBe("localhost");
  });
});
