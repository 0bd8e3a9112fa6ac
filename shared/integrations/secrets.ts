import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { z } from "zod";

/**
 * Where our own credentials come from: Secrets Manager, read at run time and cached for a short
 * while, so a rotated token is picked up without a deploy and no secret ever sits in a Lambda's
 * environment (which anyone allowed lambda:GetFunctionConfiguration can read). Functions get only
 * the secret's id (ARN or name) and a read grant. The local stack serves the same API from memory
 * (cli/local/secrets-manager.ts), so this port has one implementation and no local branch.
 */
export interface SecretSource {
  /** The secret's string value; throws when it does not exist or cannot be read. */
  text(secretId: string): Promise<string>;
}

/** Default cache age: short enough that a rotated Jira token is used within minutes. */
export const SECRET_MAX_AGE_SECONDS = 300;

/** Powertools Parameters' Secrets Manager provider, cached per container for `maxAgeSeconds`. */
export function secretsManagerSource(maxAgeSeconds = SECRET_MAX_AGE_SECONDS): SecretSource {
  const provider = new SecretsProvider();
  return {
    async text(secretId) {
      const value = await provider.get(secretId, { maxAge: maxAgeSeconds });
      if (typeof value !== "string" || !value)
        throw new Error(`secret ${secretId} has no string value (binary secrets are not supported)`);
      return value;
    },
  };
}

/** A secret holding JSON, parsed with its schema; the error names the secret, never its value. */
export async function jsonSecret<S extends z.ZodType>(
  source: SecretSource,
  secretId: string,
  schema: S,
): Promise<z.infer<S>> {
  const raw = await source.text(secretId);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error(`secret ${secretId} is not JSON`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new Error(
      `secret ${secretId} does not have the expected fields: ${parsed.error.issues.map((i) => i.path.join(".") || "(root)").join(", ")}`,
    );
  return parsed.data;
}

/** The Jira secret: the account the tickets are filed as and its API token. */
export const JiraCredentials = z.object({ email: z.string().min(3), apiToken: z.string().min(1) });
export type JiraCredentials = z.infer<typeof JiraCredentials>;

const SlackSecret = z.union([z.url(), z.object({ webhookUrl: z.url() }).transform((s) => s.webhookUrl)]);

/** The Slack secret: the incoming-webhook URL, as a plain string or `{"webhookUrl": …}`. */
export async function slackWebhookUrl(source: SecretSource, secretId: string): Promise<string> {
  const raw = (await source.text(secretId)).trim();
  const parsed = SlackSecret.safeParse(raw.startsWith("{") ? safeJson(raw) : raw);
  if (!parsed.success) throw new Error(`secret ${secretId} is not a Slack webhook URL`);
  return parsed.data;
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
