import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { queryAll, queryPage } from "./query.ts";
import { keys } from "./table.ts";
import type { TableRef } from "./table-ref.ts";

/** What ticket-sync last pushed for a group: the reconciler's memory of Jira. */
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
  updatedAt: z.string(),
  lastError: z.string().optional(),
});
export type TicketRecord = z.infer<typeof TicketRecord>;

export async function getTicket(
  db: TableRef,
  appId: string,
  groupId: string,
): Promise<TicketRecord | undefined> {
  const out = await db.client.send(
    new GetCommand({ TableName: db.tableName, Key: keys.ticketGroup(appId, groupId) }),
  );
  return out.Item ? TicketRecord.parse(out.Item) : undefined;
}

/** Saves a group; while desired ≠ pushed it carries the sparse "needs sync" key. */
export async function putTicket(db: TableRef, ticket: TicketRecord): Promise<void> {
  const needsSync = ticket.desiredHash !== ticket.pushedHash || ticket.status !== ticket.pushedStatus;
  await db.client.send(
    new PutCommand({
      TableName: db.tableName,
      Item: {
        ...keys.ticketGroup(ticket.appId, ticket.groupId),
        ...(needsSync ? keys.ticketsToSyncIndex(`${ticket.appId}#${ticket.groupId}`) : {}),
        entity: "ticket",
        ...ticket,
      },
    }),
  );
}

/** Pattern "tickets of an app": the app partition, sort keys TICKET#. */
export async function listTicketsOfApp(db: TableRef, appId: string): Promise<TicketRecord[]> {
  const out: TicketRecord[] = [];
  for await (const item of queryAll(db, { pk: keys.app(appId).pk, skPrefix: keys.ticketPrefix }))
    out.push(TicketRecord.parse(item));
  return out;
}

/** Pattern "ticket groups needing sync": the sparse gsi1 partition, what an outage left behind. */
export async function listTicketsNeedingSync(db: TableRef, limit = 100): Promise<TicketRecord[]> {
  const page = await queryPage(db, { index: "gsi1", pk: keys.ticketsToSyncIndex("").gsi1pk, limit });
  return page.items.map((i) => TicketRecord.parse(i));
}
