import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from "@aws-sdk/client-eventbridge";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { eventBridgePublisher } from "#shared/bus";
import { DOMAIN_SOURCE } from "#shared/events";

const BUS = "aspm-bus";
const events = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    detailType: "Findings Opened",
    detail: { appId: "payments", n: i },
  }));
const nOf = (e: PutEventsRequestEntry) => (JSON.parse(e.Detail ?? "{}") as { n: number }).n;

describe("eventBridgePublisher", () => {
  const client = new EventBridgeClient({ region: "eu-west-1" });
  const eb = mockClient(client);
  const publisher = eventBridgePublisher(client, BUS);
  const sent = () => eb.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries ?? []);

  beforeEach(() => {
    eb.reset();
  });
  afterEach(() => vi.useRealTimers());

  it("sends domain events to the bus with JSON details", async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "1" }] });
    await publisher.publish([{ detailType: "Scan Processed", detail: { scanId: "s1", appId: "a" } }]);
    expect(sent()).toEqual([
      [
        {
          EventBusName: BUS,
          Source: DOMAIN_SOURCE,
          DetailType: "Scan Processed",
          Detail: '{"scanId":"s1","appId":"a"}',
        },
      ],
    ]);
  });

  it("sends nothing for no events", async () => {
    await publisher.publish([]);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it("sends chunks of at most 10 entries, in order", async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });
    await publisher.publish(events(23));
    expect(sent().map((c) => c.length)).toEqual([10, 10, 3]);
    expect(sent().flat().map(nOf)).toEqual(events(23).map((_, i) => i));
  });

  it("retries only the entries EventBridge reports as failed", async () => {
    const ok = (id: string): PutEventsResultEntry => ({ EventId: id });
    const failed: PutEventsResultEntry = { ErrorCode: "ThrottlingException", ErrorMessage: "Rate exceeded" };
    eb.on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 2, Entries: [ok("0"), failed, ok("2"), failed, ok("4")] })
      .resolvesOnce({ FailedEntryCount: 1, Entries: [ok("1"), { ErrorCode: "InternalFailure" }] })
      .resolves({ FailedEntryCount: 0, Entries: [ok("3")] });
    vi.useFakeTimers();
    const done = publisher.publish(events(5));
    await vi.runAllTimersAsync();
    await done;
    expect(sent().map((c) => c.map(nOf))).toEqual([[0, 1, 2, 3, 4], [1, 3], [3]]);
  });

  it("retries within the chunk that failed before moving to the next", async () => {
    eb.on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [
          ...Array.from({ length: 9 }, () => ({ EventId: "x" })),
          { ErrorCode: "ThrottlingException" },
        ],
      })
      .resolves({ FailedEntryCount: 0 });
    vi.useFakeTimers();
    const done = publisher.publish(events(12));
    await vi.runAllTimersAsync();
    await done;
    expect(sent().map((c) => c.map(nOf))).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [9], [10, 11]]);
  });

  it("waits longer before each retry", async () => {
    vi.useFakeTimers();
    const failing = { FailedEntryCount: 1, Entries: [{ ErrorCode: "ThrottlingException" }] };
    eb.on(PutEventsCommand).resolvesOnce(failing).resolvesOnce(failing).resolves({ FailedEntryCount: 0 });
    const done = publisher.publish(events(1));
    await vi.advanceTimersByTimeAsync(0);
    expect(sent()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(199);
    expect(sent()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent()).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(399);
    expect(sent()).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent()).toHaveLength(3);
    await done;
  });

  it("fails after 4 attempts when entries keep failing", async () => {
    vi.useFakeTimers();
    let call = 0;
    eb.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
      // the first entry goes through on the first call; the other two fail every time
      const entries = input.Entries.map((_, j) =>
        call === 0 && j === 0 ? { EventId: "ok" } : { ErrorCode: "InternalFailure", ErrorMessage: "boom" },
      );
      call++;
      return { FailedEntryCount: entries.filter((e) => "ErrorCode" in e).length, Entries: entries };
    });
    const outcome = expect(publisher.publish(events(3))).rejects.toThrow(
      "PutEvents: 2 entries failed after retries",
    );
    await vi.runAllTimersAsync();
    await outcome;
    expect(sent().map((c) => c.length)).toEqual([3, 2, 2, 2]);
  });

  it("surfaces an error of the call itself", async () => {
    eb.on(PutEventsCommand).rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException" }));
    await expect(publisher.publish(events(1))).rejects.toMatchObject({ name: "AccessDeniedException" });
  });
});
