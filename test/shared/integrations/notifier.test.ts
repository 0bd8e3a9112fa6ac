import { describe, expect, it } from "vitest";
import { type DigestInput, renderDigest } from "#shared/domain/digest";
import { emptySnapshot } from "#shared/domain/posture";
import { fetchWithRetry, foldAddressHeader, mimeMessage, slackChannel } from "#shared/integrations/notifier";
import { trendChart } from "#shared/integrations/png-chart";

const input: DigestInput = {
  date: "2026-03-09",
  org: { ...emptySnapshot("org", "org", "2026-03-09"), apps: 2, actionable: 7, open: 30 },
  orgWeekAgo: { ...emptySnapshot("org", "org", "2026-03-02"), actionable: 9, open: 30 },
  apps: [{ ...emptySnapshot("app", "payments", "2026-03-09"), risk: 120, actionable: 5 }],
  teams: [],
  teamsWeekAgo: [],
  trend: Array.from({ length: 12 }, (_, i) => ({
    date: `2026-02-${String(i + 1).padStart(2, "0")}`,
    label: `FEB ${String(i + 1).padStart(2, "0")}`,
    actionable: i * 3,
  })),
};
const digest = renderDigest(input);
const chart = trendChart(
  "trend",
  input.trend.map((t) => ({ label: t.label, value: t.actionable })),
).png;
const raw = mimeMessage(digest, chart, "aspm@example.com", ["ciso@example.com", "leads@example.com"]);
const message = raw.toString("utf8");

interface Part {
  headers: Record<string, string>;
  body: string;
}

function parsePart(text: string): Part {
  const split = text.indexOf("\r\n\r\n");
  // unfold folded header lines (RFC 5322 §2.2.3)
  const head = (split >= 0 ? text.slice(0, split) : text).replace(/\r\n[ \t]+/g, " ");
  const body = split >= 0 ? text.slice(split + 4) : "";
  const headers: Record<string, string> = {};
  for (const line of head.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function boundaryOf(contentType: string | undefined): string {
  const b = /boundary="([^"]+)"/.exec(contentType ?? "")?.[1];
  if (!b) throw new Error(`no boundary in ${contentType}`);
  return b;
}

function parts(body: string, boundary: string): Part[] {
  const end = body.indexOf(`\r\n--${boundary}--`);
  expect(end).toBeGreaterThan(0);
  return body
    .slice(0, end)
    .split(`--${boundary}\r\n`)
    .slice(1)
    .map((p) => parsePart(p.replace(/\r\n$/, "")));
}

const top = parsePart(message);
const related = parts(top.body, boundaryOf(top.headers["content-type"]));
const [alternativePart, imagePart] = related;
const alternative = parts(alternativePart?.body ?? "", boundaryOf(alternativePart?.headers["content-type"]));
const decode = (p: Part | undefined) => Buffer.from((p?.body ?? "").replace(/\r\n/g, ""), "base64");

describe("mimeMessage", () => {
  it("addresses the message and encodes the UTF-8 subject", () => {
    expect(top.headers.from).toBe("aspm@example.com");
    expect(top.headers.to).toBe("ciso@example.com, leads@example.com");
    expect(top.headers["mime-version"]).toBe("1.0");
    const subject = top.headers.subject ?? "";
    // one or more B encoded-words separated by folding white space
    expect(subject).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=(\s+=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=)*$/i);
    const words = [...subject.matchAll(/=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=/gi)].map((m) =>
      Buffer.from(m[1] ?? "", "base64"),
    );
    expect(Buffer.concat(words).toString("utf8")).toBe(digest.subject);
  });

  it("is multipart/related: an alternative of text and HTML, then the chart", () => {
    // RFC 2387: multipart/related names the type of its root part
    expect(top.headers["content-type"]).toMatch(
      /^multipart\/related; type="multipart\/alternative"; boundary="/,
    );
    expect(related).toHaveLength(2);
    expect(alternativePart?.headers["content-type"]).toMatch(/^multipart\/alternative; boundary="/);
    expect(alternative.map((p) => p.headers["content-type"])).toEqual([
      "text/plain; charset=UTF-8",
      "text/html; charset=UTF-8",
    ]);
  });

  it("carries the text and HTML parts byte for byte", () => {
    for (const p of alternative) expect(p.headers["content-transfer-encoding"]).toBe("base64");
    expect(decode(alternative[0]).toString("utf8")).toBe(digest.text);
    expect(decode(alternative[1]).toString("utf8")).toBe(digest.html);
  });

  it("carries the PNG inline as Content-ID trend.png, which the HTML references", () => {
    expect(imagePart?.headers["content-type"]).toBe("image/png");
    expect(imagePart?.headers["content-transfer-encoding"]).toBe("base64");
    expect(imagePart?.headers["content-id"]).toBe("<trend.png>");
    expect(imagePart?.headers["content-disposition"]).toBe('inline; filename="trend.png"');
    expect(decode(imagePart).equals(chart)).toBe(true);
    expect(digest.html).toContain('src="cid:trend.png"');
  });

  it("wraps base64 bodies at 76 characters", () => {
    for (const p of [...alternative, imagePart]) {
      const lines = (p?.body ?? "").split("\r\n");
      expect(lines.length).toBeGreaterThan(1);
      for (const line of lines) {
        expect(line.length).toBeLessThanOrEqual(76);
        expect(line).toMatch(/^[A-Za-z0-9+/=]*$/);
      }
      // every line but the last is full
      for (const line of lines.slice(0, -1)) expect(line.length).toBe(76);
    }
  });

  it("uses CRLF line endings only and no line longer than 998 characters", () => {
    expect(message).not.toMatch(/[^\r]\n/);
    for (const line of message.split("\r\n")) expect(line.length).toBeLessThanOrEqual(998);
  });

  it("keeps subject encoded-words within RFC 2047's 75 characters", () => {
    const subject = top.headers.subject ?? "";
    expect(subject).not.toBe("");
    for (const word of subject.match(/=\?[^?]+\?[BQ]\?[^?]*\?=/g) ?? [])
      expect(word.length).toBeLessThanOrEqual(75);
  });
});

describe("To header folding", () => {
  it("folds a long address list after commas, each line within 78 characters", () => {
    const to = Array.from({ length: 12 }, (_, i) => `security-leads-${i}@acme.example`);
    const header = foldAddressHeader("To", to);
    const lines = header.split("\r\n");
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(78);
    for (const line of lines.slice(1)) expect(line.startsWith(" ")).toBe(true);
    expect(header.replace(/\r\n/g, "")).toBe(`To: ${to.join(", ")}`);
    const parsed = parsePart(`${mimeMessage(digest, chart, "a@b.example", to).toString("utf8")}`);
    expect(parsed.headers.to).toBe(to.join(", "));
  });
});

describe("Slack delivery", () => {
  const target = { audience: "org" };
  function fakeFetch(answers: Array<{ status: number; headers?: Record<string, string>; body?: string }>) {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    const impl = (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      const a = answers.shift() ?? { status: 200 };
      return new Response(a.body ?? "ok", { status: a.status, headers: a.headers ?? {} });
    }) as unknown as typeof fetch;
    return { impl, calls };
  }

  it("retries 429 after the Retry-After seconds and 5xx with backoff, then succeeds", async () => {
    const waits: number[] = [];
    const { impl, calls } = fakeFetch([
      { status: 429, headers: { "retry-after": "3" } },
      { status: 503 },
      { status: 200 },
    ]);
    const channel = slackChannel("https://hooks.slack.com/services/T/B/x", impl, {
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    expect(await channel.send(digest, chart, target)).toBe("slack-webhook");
    expect(calls).toHaveLength(3);
    expect(waits).toEqual([3000, 2000]);
  });

  it("gives up after the attempts, or at once when Retry-After is too long", async () => {
    const sleep = async () => undefined;
    const storm = fakeFetch(
      Array.from({ length: 10 }, () => ({ status: 429, headers: { "retry-after": "1" } })),
    );
    await expect(
      slackChannel("https://hooks.example/x", storm.impl, { sleep }).send(digest, chart, target),
    ).rejects.toThrow("Slack webhook answered 429");
    expect(storm.calls).toHaveLength(4);
    const long = fakeFetch([{ status: 429, headers: { "retry-after": "3600" } }]);
    await expect(
      slackChannel("https://hooks.example/x", long.impl, { sleep }).send(digest, chart, target),
    ).rejects.toThrow(/429/);
    expect(long.calls).toHaveLength(1);
    const bad = fakeFetch([{ status: 400 }]);
    await expect(
      slackChannel("https://hooks.example/x", bad.impl, { sleep }).send(digest, chart, target),
    ).rejects.toThrow(/400/);
    expect(bad.calls).toHaveLength(1);
  });

  it("reads Retry-After as an HTTP date too", async () => {
    const waits: number[] = [];
    const when = new Date(Date.now() + 5000).toUTCString();
    const { impl } = fakeFetch([{ status: 503, headers: { "retry-after": when } }, { status: 200 }]);
    await fetchWithRetry(impl, "https://x.example", {}, { sleep: async (ms) => void waits.push(ms) });
    expect(waits[0]).toBeGreaterThan(3000);
    expect(waits[0]).toBeLessThanOrEqual(5000);
  });

  it("posts to the routed channel with a bot token, and reports Slack's error", async () => {
    const ok = fakeFetch([{ status: 200, body: JSON.stringify({ ok: true, ts: "1.2" }) }]);
    const bot = slackChannel("xoxb-test", ok.impl);
    expect(await bot.send(digest, chart, { audience: "payments", slack: "#payments-eng" })).toBe(
      "slack:#payments-eng:1.2",
    );
    expect(ok.calls[0]?.url).toBe("https://slack.com/api/chat.postMessage");
    expect(JSON.parse(String(ok.calls[0]?.init.body)).channel).toBe("#payments-eng");
    expect(new Headers(ok.calls[0]?.init.headers).get("authorization")).toBe("Bearer xoxb-test");
    const fail = fakeFetch([
      { status: 200, body: JSON.stringify({ ok: false, error: "channel_not_found" }) },
    ]);
    await expect(
      slackChannel("xoxb-test", fail.impl).send(digest, chart, { audience: "x", slack: "#nope" }),
    ).rejects.toThrow("channel_not_found");
  });

  it("refuses a team channel through a webhook instead of posting it to the leaders' channel", async () => {
    const { impl, calls } = fakeFetch([]);
    await expect(
      slackChannel("https://hooks.example/x", impl).send(digest, chart, { audience: "web", slack: "#web" }),
    ).rejects.toThrow(/needs a Slack bot token/);
    expect(calls).toHaveLength(0);
  });
});
