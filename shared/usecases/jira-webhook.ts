import { DeleteCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { isActionable } from "#shared/domain/ticket-group";
import type { AuditEvent } from "#shared/domain/tracked-finding";
import { appIdFromLabels, groupIdFromLabels } from "#shared/integrations/ticket-tracker";
import { putAuditEvent } from "#shared/store/audit-store";
import { getFindings, setOwnerOverride } from "#shared/store/finding-store";
import { recordPostureChanges } from "#shared/store/posture-aggregate-store";
import { keys } from "#shared/store/table";
import { conditionally, type TableRef } from "#shared/store/table-ref";
import {
  getTicket,
  type HumanChange,
  recordHumanChange,
  type TicketRecord,
} from "#shared/store/ticket-store";
import { requestNewException } from "./exceptions.ts";

/**
 * People's changes to our tickets, as Jira's webhook reports them (DESIGN §8), turned into what
 * they mean here:
 * - resolved as Won't Do / Declined → a risk acceptance request for its open findings, which
 *   someone other than that person must approve;
 * - resolved otherwise (Done) while the findings are open → noted; the next sync reopens the
 *   ticket once a later scan still sees them, saying where;
 * - reassigned → an owner override on its findings;
 * - deleted → noted; the next sync recreates it with a comment.
 * Each delivery is applied once (Jira retries deliveries, with the same identifier).
 */

const JiraUser = z.looseObject({
  accountId: z.string().optional(),
  displayName: z.string().optional(),
  emailAddress: z.string().optional(),
});

export const JiraWebhookEvent = z.looseObject({
  timestamp: z.number().optional(),
  webhookEvent: z.string(),
  user: JiraUser.optional(),
  issue: z.looseObject({
    key: z.string(),
    fields: z
      .looseObject({
        labels: z.array(z.string()).optional(),
        status: z
          .looseObject({
            name: z.string().optional(),
            statusCategory: z.looseObject({ key: z.string() }).optional(),
          })
          .nullish(),
        resolution: z.looseObject({ name: z.string() }).nullish(),
        assignee: JiraUser.extend({ accountId: z.string() }).nullish(),
      })
      .optional(),
  }),
  changelog: z
    .looseObject({
      items: z.array(z.looseObject({ field: z.string(), fieldId: z.string().optional() })),
    })
    .optional(),
});
export type JiraWebhookEvent = z.infer<typeof JiraWebhookEvent>;

/** Resolutions that mean "we will not fix this": a risk acceptance, not a fix. */
export const DEFAULT_WONT_DO_RESOLUTIONS = ["Won't Do", "Won't Fix", "Declined"];

export interface JiraWebhookDeps {
  db: TableRef;
  now?: () => Date;
  wontDoResolutions?: readonly string[];
  /** How long a risk acceptance from Jira lasts. @default 90 days */
  exceptionDays?: number;
  /** The owner a Jira assignee stands for (e.g. their team, by routing rules); their email or account id by default. */
  ownerOf?: (assignee: z.infer<typeof JiraUser> & { accountId: string }) => Promise<string> | string;
}

export type WebhookAction = "risk-acceptance-requested" | "closed-by-person" | "owner-override" | "deleted";

export interface WebhookResult {
  outcome: "applied" | "ignored" | "duplicate";
  actions: WebhookAction[];
  reason?: string;
  exceptionId?: string;
}

/** Deliveries are remembered this long: Jira retries for far less. */
const DELIVERY_TTL_DAYS = 30;

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[’`]/g, "'").trim();
}

/**
 * The person, as one stable identity (the approver of their risk acceptance must differ from it):
 * their email when Jira shares it, else their account id; never a display name, which is not unique.
 */
function personOf(user: z.infer<typeof JiraUser> | undefined): string {
  return (
    user?.emailAddress ?? (user?.accountId ? `jira:${user.accountId}` : (user?.displayName ?? "jira:unknown"))
  );
}

export async function handleJiraWebhook(
  deps: JiraWebhookDeps,
  deliveryId: string,
  event: JiraWebhookEvent,
): Promise<WebhookResult> {
  const now = (deps.now ?? (() => new Date()))();
  const delivery = keys.webhookDelivery(deliveryId);
  const claimed = await conditionally(
    deps.db.client.send(
      new PutCommand({
        TableName: deps.db.tableName,
        Item: {
          ...delivery,
          entity: "webhook-delivery",
          receivedAt: now.toISOString(),
          expiresAt: Math.floor(now.getTime() / 1000) + DELIVERY_TTL_DAYS * 86_400,
        },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    ),
  );
  if (!claimed) return { outcome: "duplicate", actions: [] };
  try {
    return await apply(deps, event, now);
  } catch (error) {
    // not applied: let Jira's retry of this delivery try again
    await deps.db.client.send(new DeleteCommand({ TableName: deps.db.tableName, Key: delivery }));
    throw error;
  }
}

async function apply(deps: JiraWebhookDeps, event: JiraWebhookEvent, now: Date): Promise<WebhookResult> {
  const issue = event.issue;
  const labels = issue.fields?.labels ?? [];
  const groupId = groupIdFromLabels(labels);
  const appId = appIdFromLabels(labels);
  if (!groupId || !appId) return { outcome: "ignored", actions: [], reason: "not an aspm ticket" };
  const record = await getTicket(deps.db, appId, groupId);
  // a clone or a copy carrying our label is not the ticket we track
  if (!record || record.ticketKey !== issue.key)
    return {
      outcome: "ignored",
      actions: [],
      reason: `${issue.key} is not the ticket aspm tracks for this fix`,
    };
  const by = personOf(event.user);
  const at = new Date(event.timestamp ?? now.getTime()).toISOString();
  const change = (c: Omit<HumanChange, "at" | "by" | "key">): HumanChange => ({
    ...c,
    at,
    by,
    key: issue.key,
  });

  if (event.webhookEvent === "jira:issue_deleted") {
    await recordHumanChange(deps.db, appId, groupId, change({ state: "deleted" }));
    return { outcome: "applied", actions: ["deleted"] };
  }
  if (event.webhookEvent !== "jira:issue_updated")
    return { outcome: "ignored", actions: [], reason: `event ${event.webhookEvent} needs nothing` };

  const changed = new Set((event.changelog?.items ?? []).map((i) => (i.fieldId ?? i.field).toLowerCase()));
  const actions: WebhookAction[] = [];
  let exceptionId: string | undefined;
  const fields = issue.fields;
  if (
    (changed.has("resolution") || changed.has("status")) &&
    fields?.status?.statusCategory?.key === "done"
  ) {
    const resolution = fields.resolution?.name;
    const refusals = (deps.wontDoResolutions ?? DEFAULT_WONT_DO_RESOLUTIONS).map(normalizeName);
    if (resolution && refusals.includes(normalizeName(resolution))) {
      exceptionId = await requestRiskAcceptance(deps, record, issue.key, resolution, by, now);
      if (exceptionId) {
        await recordHumanChange(
          deps.db,
          appId,
          groupId,
          change({ state: "wont_do", resolution, exceptionId }),
        );
        actions.push("risk-acceptance-requested");
      }
    } else if (!(record.pushedStatus === "done" && !record.human)) {
      // (a done ticket we closed ourselves is only our own transition coming back)
      await recordHumanChange(
        deps.db,
        appId,
        groupId,
        change({ state: "done", ...(resolution ? { resolution } : {}) }),
      );
      actions.push("closed-by-person");
    }
  }
  const assignee = fields?.assignee;
  if (changed.has("assignee") && assignee && assignee.accountId !== record.route?.assigneeAccountId) {
    const owner = await (deps.ownerOf ?? ((a) => a.emailAddress ?? `jira:${a.accountId}`))(assignee);
    const findings = await getFindings(deps.db, appId, record.memberIds);
    for (const f of findings.filter((x) => x.status === "open" && x.team !== owner)) {
      const audit: AuditEvent = {
        at,
        actor: by,
        action: "owner-changed",
        from: f.team,
        to: owner,
        reason: `${issue.key} reassigned in Jira`,
      };
      // posture counts the finding under its old owner until the job sees the marker: one before
      // the change (a crash after it is still counted) and one after
      const tag = `owner-${f.findingId}-${at}`;
      await recordPostureChanges(deps.db, appId, [f.findingId], `${tag}-pre`);
      await setOwnerOverride(deps.db, f, owner);
      await putAuditEvent(deps.db, { appId, findingId: f.findingId, event: audit });
      await recordPostureChanges(deps.db, appId, [f.findingId], tag);
    }
    actions.push("owner-override");
  }
  return actions.length
    ? { outcome: "applied", actions, ...(exceptionId ? { exceptionId } : {}) }
    : { outcome: "ignored", actions, reason: "no change aspm acts on" };
}

/** One request for the ticket's open findings, requested by the person who closed it; once per ticket. */
async function requestRiskAcceptance(
  deps: JiraWebhookDeps,
  record: TicketRecord,
  key: string,
  resolution: string,
  by: string,
  now: Date,
): Promise<string | undefined> {
  if (record.human?.state === "wont_do" && record.human.key === key && record.human.exceptionId)
    return record.human.exceptionId;
  const open = (await getFindings(deps.db, record.appId, record.memberIds)).filter((f) =>
    isActionable(f, now),
  );
  if (!open.length) return undefined;
  const exception = await requestNewException(
    { db: deps.db, now: () => now },
    {
      scope: {
        kind: "findings",
        appId: record.appId,
        findingIds: open.map((f) => f.findingId).slice(0, 500),
        ticket: key,
      },
      reason: `Resolved as ${resolution} in Jira ${key} by ${by}: ${record.title}`.slice(0, 2000),
      requester: by.slice(0, 200),
      expiresAt: new Date(now.getTime() + (deps.exceptionDays ?? 90) * 86_400_000).toISOString(),
    },
    record.appId,
  );
  return exception.id;
}
