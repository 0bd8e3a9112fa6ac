import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import type { Digest } from "#shared/domain/digest";

/** Where digests go: Slack and email when configured, the file outbox otherwise. */
export interface DigestChannel {
  name: string;
  send(digest: Digest, chart: Buffer): Promise<string>;
}

export function outboxChannels(outboxDir: string): { slack: DigestChannel; email: DigestChannel } {
  return {
    slack: {
      name: "slack-outbox",
      async send(digest) {
        const dir = join(outboxDir, "slack");
        mkdirSync(dir, { recursive: true });
        const file = join(dir, `digest-${new Date().toISOString().slice(0, 10)}.json`);
        writeFileSync(file, `${JSON.stringify(digest.slack, null, 2)}\n`);
        return file;
      },
    },
    email: {
      name: "email-outbox",
      async send(digest, chart) {
        const dir = join(outboxDir, "email");
        mkdirSync(dir, { recursive: true });
        const base = join(dir, `digest-${new Date().toISOString().slice(0, 10)}`);
        writeFileSync(`${base}.html`, digest.html.replace("cid:trend.png", "trend.png"));
        writeFileSync(`${base}.txt`, digest.text);
        writeFileSync(join(dir, "trend.png"), chart);
        writeFileSync(`${base}.eml`, mimeMessage(digest, chart, "aspm@localhost", ["leaders@localhost"]));
        return `${base}.html`;
      },
    },
  };
}

/** Slack incoming webhook: one POST of the Block Kit message. */
export function slackWebhookChannel(url: string, fetchImpl: typeof fetch = fetch): DigestChannel {
  return {
    name: "slack",
    async send(digest) {
      const response = await fetchImpl(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(digest.slack),
      });
      if (!response.ok) throw new Error(`Slack webhook answered ${response.status}`);
      return "slack";
    },
  };
}

/** SES v2 raw email, so the trend chart travels inline (cid:) beside the HTML and text parts. */
export function sesChannel(client: SESv2Client, from: string, to: string[]): DigestChannel {
  return {
    name: "email",
    async send(digest, chart) {
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

/** multipart/related(alternative(text, html), png) with the chart as Content-ID trend.png. */
export function mimeMessage(digest: Digest, chart: Buffer, from: string, to: string[]): Buffer {
  const outer = "aspm-related-boundary";
  const inner = "aspm-alternative-boundary";
  const subject = encodedWords(digest.subject);
  const lines = [
    `From: ${from}`,
    `To: ${to.join(", ")}`,
    `Subject: ${subject}`,
    "MIME-Version: 1.0",
    `Content-Type: multipart/related; boundary="${outer}"`,
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
