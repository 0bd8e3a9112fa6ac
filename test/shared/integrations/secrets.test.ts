import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type LocalSecretsManager, startLocalSecretsManager } from "#cli/local/secrets-manager";
import {
  digestChannelsFromEnv,
  IntegrationNotConfiguredError,
  ticketTrackerFromEnv,
} from "#shared/integrations/channels";
import {
  JiraCredentials,
  jsonSecret,
  type SecretSource,
  secretsManagerSource,
  slackWebhookUrl,
} from "#shared/integrations/secrets";

/** Secrets read the AWS way (Powertools Parameters over the real SDK) from the local Secrets Manager. */
describe("secretsManagerSource", () => {
  let local: LocalSecretsManager;
  beforeAll(async () => {
    local = await startLocalSecretsManager();
  });
  afterAll(async () => {
    await local.close();
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  const source = (maxAge?: number) => {
    vi.stubEnv("AWS_ENDPOINT_URL_SECRETS_MANAGER", local.endpoint);
    vi.stubEnv("AWS_REGION", "us-east-1");
    vi.stubEnv("AWS_ACCESS_KEY_ID", "local");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "local");
    return secretsManagerSource(maxAge);
  };

  it("reads a secret by ARN or name, and caches it for its max age", async () => {
    const arn = local.put("aspm/test-jira", JSON.stringify({ email: "bot@acme.example", apiToken: "t1" }));
    const cached = source(300);
    expect(await jsonSecret(cached, arn, JiraCredentials)).toEqual({
      email: "bot@acme.example",
      apiToken: "t1",
    });
    local.put("aspm/test-jira", JSON.stringify({ email: "bot@acme.example", apiToken: "t2" }));
    // within the max age: the cached value, no call
    expect((await jsonSecret(cached, arn, JiraCredentials)).apiToken).toBe("t1");
    // a source whose cache has expired (max age 0) sees the rotated token
    expect((await jsonSecret(source(0), "aspm/test-jira", JiraCredentials)).apiToken).toBe("t2");
  });

  it("fails with the secret's name, never its value", async () => {
    await expect(source().text("aspm/absent")).rejects.toThrow(/find the specified secret|aspm\/absent/);
    local.put("aspm/not-json", "hunter2-token");
    const error = await jsonSecret(source(), "aspm/not-json", JiraCredentials).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toBe("secret aspm/not-json is not JSON");
    local.put("aspm/half", JSON.stringify({ email: "bot@acme.example", apiKey: "hunter2-token" }));
    const half = await jsonSecret(source(), "aspm/half", JiraCredentials).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(half?.message).toBe("secret aspm/half does not have the expected fields: apiToken");
    expect(half?.message).not.toContain("hunter2");
  });
});

describe("slackWebhookUrl", () => {
  const fixed = (value: string): SecretSource => ({ text: async () => value });
  it("accepts the URL itself or {webhookUrl}", async () => {
    const url = "https://hooks.slack.com/services/T000/B000/XXXX";
    expect(await slackWebhookUrl(fixed(url), "s")).toBe(url);
    expect(await slackWebhookUrl(fixed(JSON.stringify({ webhookUrl: url })), "s")).toBe(url);
    await expect(slackWebhookUrl(fixed("not a url"), "s")).rejects.toThrow(
      "secret s is not a Slack webhook URL",
    );
  });
});

describe("integrations from the environment", () => {
  const secrets: SecretSource = {
    text: async () => JSON.stringify({ email: "bot@acme.example", apiToken: "t" }),
  };
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  const clear = () => {
    for (const name of [
      "ASPM_JIRA_BASE_URL",
      "ASPM_JIRA_SECRET_ARN",
      "ASPM_OUTBOX_DIR",
      "ASPM_SLACK_SECRET_ARN",
      "ASPM_EMAIL_FROM",
      "ASPM_EMAIL_TO",
    ])
      vi.stubEnv(name, "");
  };

  it("never falls back to a /tmp outbox: with nothing configured, it says what to configure", () => {
    clear();
    expect(() => ticketTrackerFromEnv(secrets)).toThrow(IntegrationNotConfiguredError);
    expect(() => ticketTrackerFromEnv(secrets)).toThrow(/aspm:jiraBaseUrl/);
    expect(() => digestChannelsFromEnv(secrets)).toThrow(/aspm:slackSecretArn/);
  });

  it("uses Jira when its URL and secret are set, the outbox only when a folder is", () => {
    clear();
    vi.stubEnv("ASPM_OUTBOX_DIR", "/tmp/aspm-test-outbox");
    expect(ticketTrackerFromEnv(secrets).kind).toBe("outbox");
    vi.stubEnv("ASPM_JIRA_BASE_URL", "https://acme.atlassian.net");
    vi.stubEnv(
      "ASPM_JIRA_SECRET_ARN",
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:aspm/jira-AbCdEf",
    );
    expect(ticketTrackerFromEnv(secrets).kind).toBe("jira");
    expect(digestChannelsFromEnv(secrets).map((c) => c.name)).toEqual(["slack-outbox", "email-outbox"]);
    vi.stubEnv("ASPM_SLACK_SECRET_ARN", "aspm/slack");
    vi.stubEnv("ASPM_OUTBOX_DIR", "");
    expect(digestChannelsFromEnv(secrets).map((c) => c.name)).toEqual(["slack"]);
  });
});
