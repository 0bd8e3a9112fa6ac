import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { batchGetItems } from "./batch-get.ts";
import { batchWrite } from "./batch-write.ts";
import { queryAll } from "./query.ts";
import { keys } from "./table.ts";
import { conditionally, type TableRef } from "./table-ref.ts";

/**
 * Ticket sync's memory (DESIGN §8), in the app's partition:
 *
 * - `TICKET#{group}`: what was last pushed for a ticket group, the group's member finding ids (so
 *   a changed finding leads to its whole group without reading the app), the route it was created
 *   with, and the last change a person made in Jira (from the webhook).
 * - `TICKETCHANGE#{source}#{n}`: finding ids whose group may have changed (written by correlate,
 *   rescoring, exceptions), consumed by the next sync.
 *
 * Both carry the sparse `TICKETS#SYNC` key while they need work, so a sync reads only what changed.
 */

const Route = z.object({
  project: z.string(),
  component: z.string().optional(),
  assigneeAccountId: z.string().optional(),
  assigneeEmail: z.string().optional(),
  labels: z.array(z.string()),
});

/** The last change a person made to the ticket in Jira that ticket sync must act on. */
export const HumanChange = z.object({
  state: z.enum(["done", "wont_do", "deleted"]),
  /** When it happened (ISO). */
  at: z.string(),
  /** Who did it (email, or display name and account id). */
  by: z.string(),
  /** The Jira issue it happened to. */
  key: z.string(),
  resolution: z.string().optional(),
  /** Won't Do: the risk acceptance requested for the findings. */
  exceptionId: z.string().optional(),
});
export type HumanChange = z.infer<typeof HumanChange>;

export const TicketRecord = z.object({
  groupId: z.string(),
  appId: z.string(),
  ticketKey: z.string().optional(),
  desiredHash: z.string(),
  pushedHash: z.string().optional(),
  status: z.enum(["open", "done"]),
  pushedStatus: z.enum(["open", "done"]).optional(),
  title: z.string(),
  priority: z.string(),
  members: z.number().int().nonnegative(),
  /** Every finding of the group, open or resolved: where a sync finds the rest of a changed group. */
  memberIds: z.array(z.string()).default([]),
  route: Route.optional(),
  updatedAt: z.string(),
  lastError: z.string().optional(),
  /** Consecutive failed syncs. */
  failures: z.number().int().nonnegative().optional(),
  human: HumanChange.optional(),
  /** Bumped by every webhook write, so a sync never clears a person's change it has not seen. */
  humanRev: z.number().int().nonnegative().optional(),
});
export type TicketRecord = z.infer<typeof TicketRecord>;

const SYNC_PK = keys.ticketsToSyncIndex("").gsi1pk;

function syncIndexKey(appId: string, suffix: string) {
  return keys.ticketsToSyncIndex(`${appId}#${suffix}`);
}

function parseTicket(item: Record<string, unknown>): TicketRecord {
  return TicketRecord.parse(item);
}

/** Whether the group still needs a sync: not what was pushed, a person's change pending, or a failure. */
export function needsSync(t: TicketRecord): boolean {
  return (
    t.desiredHash !== t.pushedHash ||
    t.status !== t.pushedStatus ||
    t.human !== undefined ||
    t.lastError !== undefined
  );
}

export async function getTicket(
  db: TableRef,
  appId: string,
  groupId: string,
): Promise<TicketRecord | undefined> {
  const out = await db.client.send(
    new GetCommand({ TableName: db.tableName, Key: keys.ticketGroup(appId, groupId) }),
  );
  return out.Item ? parseTicket(out.Item) : undefined;
}

export async function getTickets(
  db: TableRef,
  appId: string,
  groupIds: readonly string[],
): Promise<TicketRecord[]> {
  const out: TicketRecord[] = [];
  await batchGetItems(
    db,
    groupIds.map((g) => keys.ticketGroup(appId, g)),
    undefined,
    (item) => out.push(parseTicket(item)),
  );
  return out;
}

/** The fields ticket sync owns; `human` and `humanRev` are the webhook's. */
export type SyncedTicket = Omit<TicketRecord, "human" | "humanRev">;

/**
 * Saves what a sync did for a group, keeping the sparse "needs sync" key while work remains.
 * `consumedHuman` clears the person's change the sync acted on, only if no newer one arrived
 * meanwhile (humanRev unchanged); otherwise the record stays marked for the next run.
 */
export async function saveSyncedTicket(
  db: TableRef,
  ticket: SyncedTicket,
  human: { keep?: HumanChange; rev?: number },
): Promise<void> {
  const record: TicketRecord = { ...ticket, ...(human.keep ? { human: human.keep } : {}) };
  const { groupId, appId, ...fields } = ticket;
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  for (const [name, value] of Object.entries({ ...fields, entity: "ticket", groupId, appId })) {
    names[`#${name}`] = name;
    if (value === undefined) removes.push(`#${name}`);
    else {
      values[`:${name}`] = value;
      sets.push(`#${name} = :${name}`);
    }
  }
  for (const optional of [
    "ticketKey",
    "pushedHash",
    "pushedStatus",
    "route",
    "lastError",
    "failures",
  ] as const)
    if (!(optional in fields) && !removes.includes(`#${optional}`)) {
      names[`#${optional}`] = optional;
      removes.push(`#${optional}`);
    }
  const write = (withHuman: boolean, marked: boolean) => {
    const allSets = [...sets];
    const allRemoves = [...removes];
    const allNames = { ...names, "#human": "human", "#rev": "humanRev" };
    const allValues: Record<string, unknown> = { ...values };
    if (marked) {
      const index = syncIndexKey(appId, groupId);
      allValues[":g1pk"] = index.gsi1pk;
      allValues[":g1sk"] = index.gsi1sk;
      allSets.push("gsi1pk = :g1pk", "gsi1sk = :g1sk");
    } else allRemoves.push("gsi1pk", "gsi1sk");
    if (withHuman) {
      if (human.keep) {
        allValues[":human"] = human.keep;
        allSets.push("#human = :human");
      } else allRemoves.push("#human");
      allValues[":rev"] = human.rev ?? 0;
    }
    return db.client.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: keys.ticketGroup(appId, groupId),
        UpdateExpression: `SET ${allSets.join(", ")}${allRemoves.length ? ` REMOVE ${allRemoves.join(", ")}` : ""}`,
        ExpressionAttributeNames: withHuman ? allNames : names,
        ExpressionAttributeValues: allValues,
        ...(withHuman ? { ConditionExpression: "attribute_not_exists(#rev) OR #rev = :rev" } : {}),
      }),
    );
  };
  // a person changed the ticket since this sync read it: keep their change, and the mark, for the next run
  if (!(await conditionally(write(true, needsSync(record))))) await write(false, true);
}

/** The webhook's write: a person's change to the ticket, marked for the next sync. Only for our groups. */
export async function recordHumanChange(
  db: TableRef,
  appId: string,
  groupId: string,
  change: HumanChange,
): Promise<boolean> {
  const index = syncIndexKey(appId, groupId);
  return conditionally(
    db.client.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: keys.ticketGroup(appId, groupId),
        UpdateExpression:
          "SET #human = :human, #rev = if_not_exists(#rev, :zero) + :one, gsi1pk = :g1pk, gsi1sk = :g1sk",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: { "#human": "human", "#rev": "humanRev" },
        ExpressionAttributeValues: {
          ":human": change,
          ":zero": 0,
          ":one": 1,
          ":g1pk": index.gsi1pk,
          ":g1sk": index.gsi1sk,
        },
      }),
    ),
  );
}

/** Pattern "tickets of an app": the app partition, sort keys TICKET#. */
export async function listTicketsOfApp(db: TableRef, appId: string): Promise<TicketRecord[]> {
  const out: TicketRecord[] = [];
  for await (const item of queryAll(db, { pk: keys.app(appId).pk, skPrefix: keys.ticketPrefix }))
    out.push(parseTicket(item));
  return out;
}

/** Finding ids whose ticket group may have changed, from one source (a scan, an intel run, an exception). */
export interface TicketChange {
  appId: string;
  /** Unique per source and chunk, so a retried source rewrites the same item. */
  id: string;
  findingIds: string[];
  at: string;
}

/** Ids per change item: keeps each item far below DynamoDB's 400 KB. */
const CHANGE_CHUNK = 1000;

/**
 * Records that these findings changed in a way their ticket may show (opened, resolved, reopened,
 * rescored, excepted). Idempotent per `source`: a retried scan rewrites the same items.
 */
export async function recordTicketChanges(
  db: TableRef,
  appId: string,
  source: string,
  findingIds: readonly string[],
  at: string,
): Promise<void> {
  const ids = [...new Set(findingIds)].sort();
  const items: Array<Record<string, unknown>> = [];
  for (let i = 0, n = 0; i < ids.length; i += CHANGE_CHUNK, n++) {
    const id = `${source}#${n}`;
    items.push({
      ...keys.ticketChange(appId, id),
      ...syncIndexKey(appId, `~${id}`),
      entity: "ticket-change",
      appId,
      id,
      findingIds: ids.slice(i, i + CHANGE_CHUNK),
      at,
    });
  }
  if (items.length)
    await batchWrite(
      db.client,
      db.tableName,
      items.map((Item) => ({ PutRequest: { Item } })),
    );
}

const TicketChangeItem = z.object({
  appId: z.string(),
  id: z.string(),
  findingIds: z.array(z.string()),
  at: z.string(),
});

/** Pattern "ticket groups needing sync": the sparse gsi1 partition — changed findings and pending groups. */
export async function listTicketWork(
  db: TableRef,
): Promise<{ changes: TicketChange[]; tickets: TicketRecord[] }> {
  const changes: TicketChange[] = [];
  const tickets: TicketRecord[] = [];
  for await (const item of queryAll(db, { index: "gsi1", pk: SYNC_PK })) {
    if (item.entity === "ticket-change") changes.push(TicketChangeItem.parse(item));
    else tickets.push(parseTicket(item));
  }
  return { changes, tickets };
}

/** Removes a consumed change, unless it was rewritten since it was read (then the next run takes it). */
export async function deleteTicketChange(db: TableRef, change: TicketChange): Promise<void> {
  await conditionally(
    db.client.send(
      new DeleteCommand({
        TableName: db.tableName,
        Key: keys.ticketChange(change.appId, change.id),
        ConditionExpression: "#at = :at",
        ExpressionAttributeNames: { "#at": "at" },
        ExpressionAttributeValues: { ":at": change.at },
      }),
    ),
  );
}

/** Pattern "ticket rules": the fingerprint of the grouping and policy of the last full reconcile. */
export async function getTicketRules(db: TableRef): Promise<string | undefined> {
  const out = await db.client.send(new GetCommand({ TableName: db.tableName, Key: keys.ticketRules() }));
  return z.object({ fingerprint: z.string() }).safeParse(out.Item).data?.fingerprint;
}

export async function saveTicketRules(db: TableRef, fingerprint: string, at: string): Promise<void> {
  await db.client.send(
    new PutCommand({
      TableName: db.tableName,
      Item: { ...keys.ticketRules(), entity: "ticket-rules", fingerprint, updatedAt: at },
    }),
  );
}
