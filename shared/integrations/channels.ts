import { SESv2Client } from "@aws-sdk/client-sesv2";
import { optionalEnv } from "#shared/config";
import { jiraTracker } from "./jira-tracker.ts";
import { type DigestChannel, outboxChannels, sesChannel, slackChannel } from "./notifier.ts";
import { outboxTracker } from "./outbox-tracker.ts";
import { JiraCredentials, jsonSecret, type SecretSource, slackWebhookUrl } from "./secrets.ts";
import type { TicketTracker } from "./ticket-tracker.ts";

/**
 * The integrations a function talks to, chosen from its configuration. Credentials are never in
 * the environment: only their secret ids, read through the SecretSource when used. The file outbox
 * is only for the local stack (ASPM_OUTBOX_DIR): on Lambda it would be /tmp, where output is lost
 * without a trace, so an unconfigured integration is an error, not a silent fallback.
 */

export class IntegrationNotConfiguredError extends Error {
  override readonly name = "IntegrationNotConfiguredError";
}

/** Jira when its base URL and secret are set, the file outbox when an outbox folder is. */
export function ticketTrackerFromEnv(secrets: SecretSource): TicketTracker {
  const baseUrl = optionalEnv("jiraBaseUrl");
  const secretId = optionalEnv("jiraSecretArn");
  if (baseUrl && secretId) {
    const doneTransition = optionalEnv("jiraDoneTransition");
    const reopenTransition = optionalEnv("jiraReopenTransition");
    const fixResolution = optionalEnv("jiraFixResolution");
    return jiraTracker({
      baseUrl,
      credentials: () => jsonSecret(secrets, secretId, JiraCredentials),
      ...(doneTransition ? { doneTransition } : {}),
      ...(reopenTransition ? { reopenTransition } : {}),
      ...(fixResolution ? { fixResolution } : {}),
    });
  }
  const outbox = optionalEnv("outboxDir");
  if (outbox) return outboxTracker(outbox);
  throw new IntegrationNotConfiguredError(
    "no ticket tracker: deploy with -c aspm:jiraBaseUrl=… -c aspm:jiraSecretArn=… (or set ASPM_OUTBOX_DIR for a file outbox)",
  );
}

/** Slack and SES when configured; on the local stack, each missing one is its outbox file. */
export function digestChannelsFromEnv(secrets: SecretSource): DigestChannel[] {
  const slackSecret = optionalEnv("slackSecretArn");
  const from = optionalEnv("emailFrom");
  const to = optionalEnv("emailTo");
  const outboxDir = optionalEnv("outboxDir");
  const outbox = outboxDir ? outboxChannels(outboxDir, to ? { emailTo: to.split(",") } : {}) : undefined;
  const channels: DigestChannel[] = [];
  if (slackSecret)
    channels.push({
      name: "slack",
      kind: "slack",
      // a webhook URL posts to its channel; a bot token (xoxb-…) to each channel the routing names
      send: async (digest, chart, target) =>
        slackChannel(await slackWebhookUrl(secrets, slackSecret)).send(digest, chart, target),
    });
  else if (outbox) channels.push(outbox.slack);
  if (from && to) channels.push(sesChannel(new SESv2Client({}), from, to.split(",")));
  else if (outbox) channels.push(outbox.email);
  if (!channels.length)
    throw new IntegrationNotConfiguredError(
      "no digest channel: deploy with -c aspm:slackSecretArn=… and/or -c aspm:digestEmailFrom=… -c aspm:digestEmailTo=…",
    );
  return channels;
}
