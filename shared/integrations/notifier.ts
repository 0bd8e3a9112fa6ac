import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { z } from "zod";
import type { Digest } from "#shared/domain/digest";

/**
 * Where one digest goes: a Slack channel and/or an email list from the routing file, or "default"
 * for the configured ones (the leaders' digest when the routing file names none).
 */
export interface DigestTarget {
  /** `org` for leaders, else the team id; names outbox files. */
  audience: string;
  slack?: string;
  email?: readonly string[] | "default";
}

/** Where digests go: Slack and email when configured, the file outbox otherwise. */
export interface DigestChannel {
  name: string;
  kind: "slack" | "email";
  send(digest: Digest, chart: Buffer, target: DigestTarget): Promise<string>;
}

const fileSafe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 100);

export function outboxChannels(
  outboxDir: string,
  defaults: { emailTo?: string[] } = {},
): { slack: DigestChannel; email: DigestChannel } {
  const base = (kind: string, target: DigestTarget) => {
    const dir = join(outboxDir, kind);
    mkdirSync(dir, { recursive: true });
    return join(dir, `digest-${new Date().toISOString().slice(0, 10)}-${fileSafe(target.audience)}`);
  };
  return {
    slack: {
      name: "slack-outbox",
      kind: "slack",
      async send(digest, _chart, target) {
        const file = `${base("slack", target)}.json`;
        writeFileSync(file, `${JSON.stringify({ channel: target.slack, ...digest.slack }, null, 2)}\n`);
        return file;
      },
    },
    email: {
      name: "email-outbox",
      kind: "email",
      async send(digest, chart, target) {
        const file = base("email", target);
        const to =
          target.email === "default" || !target.email
            ? (defaults.emailTo ?? ["leaders@localhost"])
            : target.email;
        const png = `${file.split("/").at(-1)}.png`;
        writeFileSync(`${file}.html`, digest.html.replace("cid:trend.png", png));
        writeFileSync(`${file}.txt`, digest.text);
        writeFileSync(`${file}.png`, chart);
        writeFileSync(`${file}.eml`, mimeMessage(digest, chart, "aspm@localhost", [...to]));
        return `${file}.html`;
      },
    },
  };
}

export interface RetryOptions {
  attempts?: number;
  /** A longer Retry-After fails the call instead of holding the Lambda. */
  maxWaitSeconds?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Seconds to wait per Retry-After (delta-seconds or an HTTP date), else exponential from 1 s. */
function retryAfterSeconds(response: Response, attempt: number): number {
  const header = response.headers.get("retry-after");
  if (header) {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds;
    const date = Date.parse(header);
    if (Number.isFinite(date)) return Math.max(0, (date - Date.now()) / 1000);
  }
  return 2 ** attempt;
}

/** fetch that retries 429 and 5xx as the server asks (Retry-After), a few times, then gives up with the status. */
export async function fetchWithRetry(
  doFetch: typeof fetch,
  url: string,
  init: RequestInit,
  options: RetryOptions = {},
): Promise<Response> {
  const attempts = options.attempts ?? 4;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 0; ; attempt++) {
    const response = await doFetch(url, init);
    if (response.status !== 429 && response.status < 500) return response;
    if (attempt + 1 >= attempts) return response;
    const wait = retryAfterSeconds(response, attempt);
    if (wait > (options.maxWaitSeconds ?? 30)) return response;
    await response.body?.cancel().catch(() => undefined);
    await sleep(wait * 1000);
  }
}

const SlackApiAnswer = z.object({ ok: z.boolean(), error: z.string().optional(), ts: z.string().optional() });

/**
 * Slack through an incoming webhook (posts to the one channel it was made for) or a bot token
 * (`xoxb-…`, chat.postMessage to any channel the routing file names). 429 and 5xx are retried per
 * Retry-After.
 */
export function slackChannel(
  credential: string,
  fetchImpl: typeof fetch = fetch,
  retry: RetryOptions = {},
): DigestChannel {
  const bot = credential.startsWith("xoxb-") || credential.startsWith("xoxp-");
  return {
    name: "slack",
    kind: "slack",
    async send(digest, _chart, target) {
      if (!bot) {
        if (target.audience !== "org" && target.slack)
          throw new Error(
            `posting to ${target.slack} needs a Slack bot token: a webhook posts to one fixed channel`,
          );
        const response = await fetchWithRetry(
          fetchImpl,
          credential,
          {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(digest.slack),
          },
          retry,
        );
        if (!response.ok) throw new Error(`Slack webhook answered ${response.status}`);
        return "slack-webhook";
      }
      if (!target.slack) throw new Error("no Slack channel for this digest");
      const response = await fetchWithRetry(
        fetchImpl,
        "https://slack.com/api/chat.postMessage",
        {
          method: "POST",
          headers: {
            "content-type": "application/json; charset=utf-8",
            authorization: `Bearer ${credential}`,
          },
          body: JSON.stringify({ channel: target.slack, ...digest.slack }),
        },
        retry,
      );
      if (!response.ok) throw new Error(`Slack answered ${response.status}`);
      const answer = SlackApiAnswer.parse(await response.json());
      if (!answer.ok)
        throw new Error(`Slack chat.postMessage to ${target.slack}: ${answer.error ?? "not ok"}`);
      return `slack:${target.slack}:${answer.ts ?? ""}`;
    },
  };
}

/** SES v2 raw email, so the trend chart travels inline (cid:) beside the HTML and text parts. */
export function sesChannel(client: SESv2Client, from: string, defaultTo: string[]): DigestChannel {
  return {
    name: "email",
    kind: "email",
    async send(digest, chart, target) {
      const to = target.email === "default" || !target.email ? defaultTo : [...target.email];
      const out = await client.send(
        new SendEmailCommand({
          FromEmailAddress: from,
          Destination: { ToAddresses: to },
          Content: { Raw: { Data: mimeMessage(digest, chart, from, to) } },
        }),
      );
      return out.MessageId ?? "sent";
    },
  };
}

function wrap64(data: Buffer): string {
  return (data.toString("base64").match(/.{1,76}/g) ?? []).join("\r\n");
}

/**
 * RFC 2047 encoded-words of at most 75 chars each (`=?UTF-8?B?…?=` leaves 63 for base64, so 45 bytes
 * per word), folded onto continuation lines; never splitting a UTF-8 character.
 */
function encodedWords(text: string): string {
  const words: string[] = [];
  let chunk = "";
  for (const ch of text) {
    if (Buffer.byteLength(chunk + ch) > 45) {
      words.push(chunk);
      chunk = "";
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString("base64")}?=`).join("\r\n ");
}

/** An address-list header folded after commas so no line passes 78 characters (RFC 5322 §2.1.1). */
export function foldAddressHeader(name: string, addresses: readonly string[]): string {
  const lines: string[] = [];
  let line = `${name}:`;
  addresses.forEach((address, i) => {
    const piece = ` ${address}${i < addresses.length - 1 ? "," : ""}`;
    if (line.length + piece.length > 78 && line.length > name.length + 1) {
      lines.push(line);
      line = piece;
    } else line += piece;
  });
  lines.push(line);
  return lines.join("\r\n");
}

/** multipart/related(alternative(text, html), png) with the chart as Content-ID trend.png. */
export function mimeMessage(digest: Digest, chart: Buffer, from: string, to: readonly string[]): Buffer {
  const outer = "aspm-related-boundary";
  const inner = "aspm-alternative-boundary";
  const lines = [
    `From: ${from}`,
    foldAddressHeader("To", to),
    `Subject: ${encodedWords(digest.subject)}`,
    "MIME-Version: 1.0",
    // RFC 2387: the type parameter names the root part's type
    `Content-Type: multipart/related; type="multipart/alternative"; boundary="${outer}"`,
    "",
    `--${outer}`,
    `Content-Type: multipart/alternative; boundary="${inner}"`,
    "",
    `--${inner}`,
    "Content-Type: text/plain; charset=UTF-8",
    "Content-Transfer-Encoding: base64",
    "",
    wrap64(Buffer.from(digest.text)),
    `--${inner}`,
    "Content-Type: text/html; charset=UTF-8",
    "Content-Transfer-Encoding: base64",
    "",
    wrap64(Buffer.from(digest.html)),
    `--${inner}--`,
    `--${outer}`,
    "Content-Type: image/png",
    "Content-Transfer-Encoding: base64",
    "Content-ID: <trend.png>",
    'Content-Disposition: inline; filename="trend.png"',
    "",
    wrap64(chart),
    `--${outer}--`,
    "",
  ];
  return Buffer.from(lines.join("\r\n"));
}
