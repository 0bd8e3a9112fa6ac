import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "./event-bus.ts";

/**
 * The local Secrets Manager: GetSecretValue (AWS JSON 1.1) from memory, reached by the real SDK
 * client through AWS_ENDPOINT_URL_SECRETS_MANAGER. Handlers read secrets exactly as on AWS
 * (Powertools Parameters), so the local stack needs no "local mode" in them: it only seeds the
 * values here (the salt, and Jira or Slack credentials when the developer gives them).
 */
export interface LocalSecretsManager {
  endpoint: string;
  /** Creates or replaces a secret; returns its ARN. */
  put(name: string, value: string): string;
  close(): Promise<void>;
}

const GetSecretValueRequest = z.object({ SecretId: z.string().min(1) });

export function localSecretArn(name: string): string {
  // AWS appends 6 random characters to a secret's name; a hash keeps the ARN stable across runs
  const suffix = createHash("sha256").update(name).digest("hex").slice(0, 6);
  return `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:${name}-${suffix}`;
}

export async function startLocalSecretsManager(port = 0): Promise<LocalSecretsManager> {
  const secrets = new Map<string, { name: string; value: string; createdAt: number }>();
  const handle = async (req: IncomingMessage): Promise<unknown> => {
    const target = String(req.headers["x-amz-target"] ?? "");
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (target !== "secretsmanager.GetSecretValue")
      throw Object.assign(
        new Error(`the local Secrets Manager implements GetSecretValue only, not ${target}`),
        {
          type: "InvalidRequestException",
        },
      );
    const request = GetSecretValueRequest.parse(JSON.parse(Buffer.concat(chunks).toString("utf8")));
    const secret =
      secrets.get(request.SecretId) ??
      [...secrets.values()].find((s) => localSecretArn(s.name) === request.SecretId);
    if (!secret)
      throw Object.assign(new Error("Secrets Manager can't find the specified secret."), {
        type: "ResourceNotFoundException",
      });
    return {
      ARN: localSecretArn(secret.name),
      Name: secret.name,
      SecretString: secret.value,
      VersionId: createHash("sha256").update(secret.value).digest("hex").slice(0, 32),
      VersionStages: ["AWSCURRENT"],
      CreatedDate: secret.createdAt / 1000,
    };
  };
  const server: Server = createServer((req, res) => {
    void handle(req).then(
      (body) => {
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify(body));
      },
      (error: unknown) => {
        const type = (error as { type?: string }).type ?? "InvalidParameterException";
        res.writeHead(400, { "content-type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify({ __type: type, message: (error as Error).message }));
      },
    );
  });
  await new Promise<void>((ready) => server.listen(port, "127.0.0.1", ready));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    put(name, value) {
      secrets.set(name, { name, value, createdAt: Date.now() });
      return localSecretArn(name);
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
