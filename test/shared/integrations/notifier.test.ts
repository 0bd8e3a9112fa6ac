import { describe, expect, it } from "vitest";
import { type DigestInput, renderDigest } from "#shared/domain/digest";
import { emptySnapshot } from "#shared/domain/posture";
import { mimeMessage } from "#shared/integrations/notifier";
import { barChartPng } from "#shared/integrations/png-chart";

const input: DigestInput = {
  date: "2026-03-09",
  org: { ...emptySnapshot("org", "org", "2026-03-09"), apps: 2, actionable: 7, open: 30 },
  orgWeekAgo: { ...emptySnapshot("org", "org", "2026-03-02"), actionable: 9, open: 30 },
  apps: [{ ...emptySnapshot("app", "payments", "2026-03-09"), risk: 120, actionable: 5 }],
  teams: [],
  teamsWeekAgo: [],
  trend: Array.from({ length: 30 }, (_, i) => ({
    date: `2026-02-${String(i + 1).padStart(2, "0")}`,
    actionable: i,
  })),
};
const digest = renderDigest(input);
const chart = barChartPng(input.trend.map((t) => t.actionable));
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
    expect(top.headers["content-type"]).toMatch(/^multipart\/related; boundary="/);
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
