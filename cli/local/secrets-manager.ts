import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";

/**
 * A Secrets Manager stand-in for the local stack: GetSecretValue over the service's JSON protocol
 * (`X-Amz-Target: secretsmanager.GetSecretValue`), so handlers read their secrets with the same
 * Powertools Parameters code as on AWS, through `AWS_ENDPOINT_URL_SECRETS_MANAGER`.
 */

const Request = z.object({ SecretId: z.string() });

export interface LocalSecrets {
  endpoint: string;
  close(): Promise<void>;
}

export async function serveSecrets(secrets: ReadonlyMap<string, string>, port = 0): Promise<LocalSecrets> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify(body));
      };
      const target = String(req.headers["x-amz-target"] ?? "");
      let parsed: z.infer<typeof Request> | undefined;
      try {
        parsed = Request.parse(JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}"));
      } catch {
        parsed = undefined;
      }
      if (target !== "secretsmanager.GetSecretValue" || !parsed)
        return send(400, { __type: "InvalidRequestException", message: `unsupported: ${target}` });
      const value = secrets.get(parsed.SecretId);
      if (value === undefined)
        return send(400, {
          __type: "ResourceNotFoundException",
          message: "Secrets Manager can't find the specified secret.",
        });
      send(200, {
        ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${parsed.SecretId}`,
        Name: parsed.SecretId,
        SecretString: value,
        VersionId: "local",
        VersionStages: ["AWSCURRENT"],
        CreatedDate: 0,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
