import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from "@aws-sdk/client-eventbridge";
import { DOMAIN_SOURCE } from "./events.ts";

/** Publishes domain events; the port use cases depend on. */
export interface EventPublisher {
  publish(events: ReadonlyArray<{ detailType: string; detail: unknown }>): Promise<void>;
}

const MAX_ENTRIES = 10;

/**
 * EventBridge PutEvents in chunks of 10, retrying the entries EventBridge reports as failed
 * (the call itself succeeds when some entries fail, so FailedEntryCount must be read).
 */
export function eventBridgePublisher(client: EventBridgeClient, busName: string): EventPublisher {
  return {
    async publish(events) {
      const entries: PutEventsRequestEntry[] = events.map((e) => ({
        EventBusName: busName,
        Source: DOMAIN_SOURCE,
        DetailType: e.detailType,
        Detail: JSON.stringify(e.detail),
      }));
      for (let i = 0; i < entries.length; i += MAX_ENTRIES) {
        let pending = entries.slice(i, i + MAX_ENTRIES);
        for (let attempt = 0; pending.length; attempt++) {
          if (attempt === 4) throw new Error(`PutEvents: ${pending.length} entries failed after retries`);
          if (attempt) await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
          const out = await client.send(new PutEventsCommand({ Entries: pending }));
          if (!out.FailedEntryCount) break;
          pending = pending.filter((_, j) => out.Entries?.[j]?.ErrorCode);
        }
      }
    },
  };
}
