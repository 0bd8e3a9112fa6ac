import { SESv2Client } from "@aws-sdk/client-sesv2";
import { optionalEnv } from "#shared/config";
import { jiraTracker } from "./jira-tracker.ts";
import { type DigestChannel, outboxChannels, sesChannel, slackChannel } from "./notifier.ts";
import { outboxTracker } from "./outbox-tracker.ts";
import type { TicketTracker } from "./ticket-tracker.ts";

/** Where outbox files go when a real integration is not configured. */
export function outboxDir(): string {
  return optionalEnv("outboxDir") ?? "/tmp/aspm-outbox";
}

/** Jira when its three settings are present, the file outbox otherwise. */
export function ticketTrackerFromEnv(): { tracker: TicketTracker; kind: "jira" | "outbox" } {
  const baseUrl = optionalEnv("jiraBaseUrl");
  const email = optionalEnv("jiraEmail");
  const apiToken = optionalEnv("jiraApiToken");
  if (baseUrl && email && apiToken)
    return { tracker: jiraTracker({ baseUrl, email, apiToken }), kind: "jira" };
  return { tracker: outboxTracker(outboxDir()), kind: "outbox" };
}

/** Slack and SES when configured; each missing one falls back to its outbox file. */
export function digestChannelsFromEnv(): DigestChannel[] {
  const slackUrl = optionalEnv("slackWebhookUrl");
  const from = optionalEnv("emailFrom");
  const to = optionalEnv("emailTo");
  const outbox = outboxChannels(outboxDir(), to ? { emailTo: to.split(",") } : {});
  const channels: DigestChannel[] = [];
  // a webhook URL posts to its channel; a bot token (xoxb-…) to each channel the routing file names
  channels.push(slackUrl ? slackChannel(slackUrl) : outbox.slack);
  channels.push(from && to ? sesChannel(new SESv2Client({}), from, to.split(",")) : outbox.email);
  return channels;
}
