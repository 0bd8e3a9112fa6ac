import { groupFindings } from "#shared/domain/ticket-group";
import type { TrackedFinding } from "#shared/domain/tracked-finding";
import { adf } from "#shared/integrations/adf";
import { groupLabel, type TicketTracker, ticketIssue } from "#shared/integrations/ticket-tracker";
import { listApps } from "#shared/store/app-store";
import { allFindingsOfApp } from "#shared/store/finding-store";
import type { TableRef } from "#shared/store/table-ref";
import { getTicket, putTicket, type TicketRecord } from "#shared/store/ticket-store";
import { ticketRouter } from "./ticket-routing.ts";

export interface TicketSyncDeps {
  db: TableRef;
  tracker: TicketTracker;
  /** Jira project per team; the default project for unmapped teams. */
  projectFor: (team: string) => string;
  now?: () => Date;
}

export interface TicketSyncResult {
  groups: number;
  created: number;
  updated: number;
  closed: number;
  reopened: number;
  unchanged: number;
  failed: number;
}

/**
 * The reconciler (DESIGN §8): desired ticket groups from the findings, diffed against what was last
 * pushed. Creates are idempotent (label lookup before create), a tracker outage leaves the group
 * marked for the next run instead of losing it, and a group whose members all resolved is closed.
 */
export async function syncTickets(deps: TicketSyncDeps): Promise<TicketSyncResult> {
  const result: TicketSyncResult = {
    groups: 0,
    created: 0,
    updated: 0,
    closed: 0,
    reopened: 0,
    unchanged: 0,
    failed: 0,
  };
  const now = () => (deps.now ?? (() => new Date()))().toISOString();
  const routeOf = await ticketRouter(deps.db, deps.tracker, deps.projectFor);
  for (const app of await listApps(deps.db)) {
    const findings: TrackedFinding[] = [];
    for await (const f of allFindingsOfApp(deps.db, app.appId)) findings.push(f);
    const byId = new Map(findings.map((f) => [f.findingId, f]));
    for (const group of groupFindings(app.appId, findings, routeOf)) {
      const previous = await getTicket(deps.db, app.appId, group.groupId);
      // a group that never had an open ticket and is already done needs none
      if (!previous && group.status === "done") continue;
      result.groups++;
      if (previous && previous.pushedHash === group.contentHash && previous.pushedStatus === group.status) {
        result.unchanged++;
        continue;
      }
      const members = group.members.map((id) => byId.get(id)).filter((f): f is TrackedFinding => !!f);
      const record: TicketRecord = {
        groupId: group.groupId,
        appId: app.appId,
        ...(previous?.ticketKey ? { ticketKey: previous.ticketKey } : {}),
        desiredHash: group.contentHash,
        ...(previous?.pushedHash ? { pushedHash: previous.pushedHash } : {}),
        status: group.status,
        ...(previous?.pushedStatus ? { pushedStatus: previous.pushedStatus } : {}),
        title: group.title,
        priority: group.priority,
        members: group.members.length,
        updatedAt: now(),
      };
      try {
        const issue = ticketIssue(group, members, group.route ?? routeOf(group.owner));
        let key = record.ticketKey;
        let wasDone = record.pushedStatus === "done";
        if (!key) {
          const existing = await deps.tracker.findByLabel(groupLabel(group.groupId));
          if (existing) {
            key = existing.key;
            wasDone = existing.done;
          } else {
            key = await deps.tracker.create(issue);
            result.created++;
            wasDone = false;
          }
        } else if (record.pushedHash !== group.contentHash) {
          await deps.tracker.update(key, issue);
          if (group.status === "open") {
            await deps.tracker.comment(key, adf.doc(adf.paragraph(`Scan update: ${group.action}.`)));
          }
          result.updated++;
        }
        if (group.status === "done" && !wasDone) {
          await deps.tracker.setDone(key, true);
          result.closed++;
        } else if (group.status === "open" && wasDone) {
          await deps.tracker.setDone(key, false);
          await deps.tracker.comment(
            key,
            adf.doc(
              adf.paragraph("Regression: a finding of this group was seen again, so the ticket is reopened."),
            ),
          );
          result.reopened++;
        }
        await putTicket(deps.db, {
          ...record,
          ticketKey: key,
          pushedHash: group.contentHash,
          pushedStatus: group.status,
        });
      } catch (error) {
        result.failed++;
        await putTicket(deps.db, { ...record, lastError: (error as Error).message.slice(0, 500) });
      }
    }
  }
  return result;
}
