import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { type EventPattern, matchesPattern } from "#shared/event-pattern";

/**
 * The in-process EventBridge: an HTTP endpoint that speaks PutEvents (AWS JSON 1.1), so handlers
 * publish through the real SDK client, and a router that applies the same rule patterns infra
 * deploys. Targets are functions (an SQS send, an in-process job).
 */

export interface BusEvent {
  version: "0";
  id: string;
  "detail-type": string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

export interface LocalRule {
  name: string;
  bus: string;
  pattern: EventPattern;
  target: (event: BusEvent) => Promise<void>;
}

const PutEventsRequest = z.object({
  Entries: z
    .array(
      z.object({
        Source: z.string(),
        DetailType: z.string(),
        Detail: z.string(),
        EventBusName: z.string().optional(),
        Resources: z.array(z.string()).optional(),
        Time: z.union([z.string(), z.number()]).optional(),
      }),
    )
    .min(1)
    .max(10),
});

export const LOCAL_ACCOUNT = "000000000000";
export const LOCAL_REGION = "us-east-1";

export class LocalEventBus {
  private server?: Server;
  private readonly rules: LocalRule[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  /** Every event put on any bus, for tests and `aspm dev` logs. */
  readonly history: BusEvent[] = [];
  onError: (rule: string, error: unknown) => void = () => undefined;

  addRule(rule: LocalRule): void {
    this.rules.push(rule);
  }

  /** Puts one event and routes it; targets run asynchronously, like EventBridge. */
  put(
    bus: string,
    event: Omit<BusEvent, "version" | "id" | "account" | "region"> & Partial<BusEvent>,
  ): string {
    const full: BusEvent = {
      version: "0",
      id: randomUUID(),
      account: LOCAL_ACCOUNT,
      region: LOCAL_REGION,
      ...event,
    };
    this.history.push(full);
    if (this.history.length > 5000) this.history.splice(0, this.history.length - 5000);
    for (const rule of this.rules) {
      if (rule.bus !== bus || !matchesPattern(rule.pattern, full)) continue;
      const delivery = rule.target(full).catch((error: unknown) => this.onError(rule.name, error));
      this.inFlight.add(delivery);
      void delivery.finally(() => this.inFlight.delete(delivery));
    }
    return full.id;
  }

  /** Resolves once every routed delivery so far has finished. */
  async drain(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  async listen(port = 0): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(
        (body) => {
          res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
          res.end(JSON.stringify(body));
        },
        (error: unknown) => {
          res.writeHead(400, { "content-type": "application/x-amz-json-1.1" });
          res.end(JSON.stringify({ __type: "ValidationException", message: (error as Error).message }));
        },
      );
    });
    await new Promise<void>((resolve) => this.server?.listen(port, "127.0.0.1", resolve));
    const address = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await this.drain();
  }

  private async handle(req: IncomingMessage): Promise<unknown> {
    const target = String(req.headers["x-amz-target"] ?? "");
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (target !== "AWSEvents.PutEvents")
      throw new Error(`the local bus implements PutEvents only, not ${target}`);
    const request = PutEventsRequest.parse(JSON.parse(Buffer.concat(chunks).toString("utf8")));
    const entries = request.Entries.map((e) => {
      const detail: unknown = JSON.parse(e.Detail);
      const time =
        e.Time === undefined ? new Date() : new Date(typeof e.Time === "number" ? e.Time * 1000 : e.Time);
      return {
        EventId: this.put(e.EventBusName ?? "default", {
          source: e.Source,
          "detail-type": e.DetailType,
          time: time.toISOString().replace(/\.\d{3}Z$/, "Z"),
          resources: e.Resources ?? [],
          detail,
        }),
      };
    });
    return { FailedEntryCount: 0, Entries: entries };
  }
}
