import type { AppState } from "#shared/domain/app-state";
import type { Priority } from "#shared/domain/risk-policy";
import { UNOWNED } from "#shared/domain/routing";
import {
  GROUPING_VERSION,
  groupFindings,
  isActionable,
  type TicketGroup,
  ticketGroupIdOf,
} from "#shared/domain/ticket-group";
import { DEFAULT_TICKET_POLICY, heldBack, heldBackBy, type TicketPolicy } from "#shared/domain/ticket-policy";
import type { TicketRoute } from "#shared/domain/ticket-route";
import type { TrackedFinding } from "#shared/domain/tracked-finding";
import { type AdfDoc, adf } from "#shared/integrations/adf";
import {
  fitToLimit,
  groupLabel,
  TicketGoneError,
  type TicketTracker,
  TrackerAuthError,
  ticketIssue,
  vulnerabilityIds,
} from "#shared/integrations/ticket-tracker";
import { loadCommittedState } from "#shared/store/app-state-store";
import { listApps } from "#shared/store/app-store";
import type { BucketRef } from "#shared/store/blob-store";
import { getException } from "#shared/store/exception-store";
import { allFindingsOfApp, getFindings } from "#shared/store/finding-store";
import type { TableRef } from "#shared/store/table-ref";
import {
  deleteTicketChange,
  getTicketRules,
  getTickets,
  type HumanChange,
  listTicketsOfApp,
  listTicketWork,
  type SyncedTicket,
  saveSyncedTicket,
  saveTicketRules,
  type TicketChange,
  type TicketRecord,
} from "#shared/store/ticket-store";
import { ticketRouter } from "./ticket-routing.ts";

export interface TicketSyncDeps {
  db: TableRef;
  /** The correlation state in S3: where a finding a person closed is still seen. */
  bucket: BucketRef;
  tracker: TicketTracker;
  /**
   * Where a new ticket goes. By default: the routing rules of the catalog for the group's owner
   * (shared/domain/routing.ts), read once per run and only when a ticket is created; without
   * rules, `defaultProject`.
   */
  routeFor?: (group: TicketGroup, members: readonly TrackedFinding[]) => TicketRoute | Promise<TicketRoute>;
  /** The project of tickets no routing rule places. @default SEC */
  defaultProject?: string;
  /** Which groups get a ticket (shared/domain/ticket-policy.ts). @default DEFAULT_TICKET_POLICY */
  policy?: TicketPolicy;
  now?: () => Date;
}

export interface TicketSyncOptions {
  /**
   * Regroup every finding of every app instead of only what changed: for a first sync of data
   * written before change tracking, or to repair. The scheduled run never needs it.
   */
  full?: boolean;
}

export interface TicketSyncResult {
  mode: "changed" | "full";
  groups: number;
  created: number;
  updated: number;
  closed: number;
  reopened: number;
  recreated: number;
  unchanged: number;
  /** Closed by a person while still open here, waiting for a scan (or an exception decision). */
  waiting: number;
  /** Open groups the ticket policy keeps out of the tracker (their open tickets are closed with a note). */
  heldBack: number;
  failed: number;
  /** Change records consumed. */
  changes: number;
  /** The first failure's message, for the log and the alarm's reader. */
  firstError?: string;
}

/** A run that did nothing yet. */
export function noSync(mode: TicketSyncResult["mode"]): TicketSyncResult {
  return {
    mode,
    groups: 0,
    created: 0,
    updated: 0,
    closed: 0,
    reopened: 0,
    recreated: 0,
    unchanged: 0,
    waiting: 0,
    heldBack: 0,
    failed: 0,
    changes: 0,
  };
}

interface Run {
  deps: TicketSyncDeps;
  result: TicketSyncResult;
  now: Date;
  states: Map<string, Promise<AppState | undefined>>;
  /** The owners' routes, read on first need. */
  router?: Promise<(owner: string) => TicketRoute>;
  policy: TicketPolicy;
}

/** A group as sync acts on it: possibly held back by the policy, or emptied with a note for its ticket. */
type SyncedGroup = TicketGroup & { heldBack?: string; closeNote?: string };

/** What the tickets were last reconciled under: a change of grouping or policy regroups every app once. */
export function ticketRulesFingerprint(policy: TicketPolicy): string {
  return `grouping:${GROUPING_VERSION};min:${policy.minSeverity}`;
}

function routeOf(run: Run, group: TicketGroup, members: readonly TrackedFinding[]) {
  if (run.deps.routeFor) return run.deps.routeFor(group, members);
  const project = run.deps.defaultProject ?? "SEC";
  run.router ??= ticketRouter(run.deps.db, run.deps.tracker, () => project, run.now);
  return run.router.then((router) => router(group.owner));
}

/**
 * The reconciler (DESIGN §8): ticket groups from the findings, diffed against what was last pushed,
 * and people's changes in Jira (from the webhook) taken into account. By default it works only on
 * the groups whose findings changed (the TICKETS#SYNC index): a run with nothing to do reads no
 * finding and makes no tracker call. Creates are idempotent (label lookup before create, and never
 * a blind retry), a tracker outage leaves the group marked for the next run, and rejected
 * credentials stop the run with an error so that it alarms.
 */
export async function syncTickets(
  deps: TicketSyncDeps,
  options: TicketSyncOptions = {},
): Promise<TicketSyncResult> {
  const policy = deps.policy ?? DEFAULT_TICKET_POLICY;
  // new grouping or policy: groups that were never touched since must be regrouped too, once
  const fingerprint = ticketRulesFingerprint(policy);
  const full = options.full === true || (await getTicketRules(deps.db)) !== fingerprint;
  const run: Run = {
    deps,
    now: (deps.now ?? (() => new Date()))(),
    states: new Map(),
    result: noSync(full ? "full" : "changed"),
    policy,
  };
  // read first: a change recorded after this point is left for the next run, never deleted unread
  const work = await listTicketWork(deps.db);
  const appIds = full
    ? (await listApps(deps.db)).map((a) => a.appId)
    : [...new Set([...work.changes.map((c) => c.appId), ...work.tickets.map((t) => t.appId)])];
  for (const appId of appIds.sort()) {
    const changes = work.changes.filter((c) => c.appId === appId);
    if (full) await syncWholeApp(run, appId);
    else
      await syncChangedGroups(
        run,
        appId,
        changes,
        work.tickets.filter((t) => t.appId === appId),
      );
    for (const change of changes) await deleteTicketChange(deps.db, change);
    run.result.changes += changes.length;
  }
  if (full) await saveTicketRules(deps.db, fingerprint, run.now.toISOString());
  return run.result;
}

async function syncWholeApp(run: Run, appId: string): Promise<void> {
  const findings: TrackedFinding[] = [];
  for await (const f of allFindingsOfApp(run.deps.db, appId)) findings.push(f);
  const byId = new Map(findings.map((f) => [f.findingId, f]));
  const records = new Map((await listTicketsOfApp(run.deps.db, appId)).map((t) => [t.groupId, t]));
  const groups = groupFindings(appId, findings);
  // where each finding's ticket is now: a ticket whose group is gone says where its findings went
  const ticketOf = new Map<string, string>();
  for (const group of groups) {
    const key = await syncGroup(run, appId, group, membersOf(group, byId), records.get(group.groupId));
    if (key) for (const id of group.members) ticketOf.set(id, key);
  }
  const current = new Set(groups.map((g) => g.groupId));
  for (const [groupId, record] of records)
    if (!current.has(groupId)) {
      const movedTo = [...new Set(record.memberIds.map((id) => ticketOf.get(id)))].filter(
        (k): k is string => !!k,
      );
      await syncGroup(run, appId, emptiedGroup(record, movedTo), [], record);
    }
}

async function syncChangedGroups(
  run: Run,
  appId: string,
  changes: readonly TicketChange[],
  pending: readonly TicketRecord[],
): Promise<void> {
  const { db } = run.deps;
  const changed = await getFindings(db, appId, [...new Set(changes.flatMap((c) => c.findingIds))]);
  const byId = new Map(changed.map((f) => [f.findingId, f]));
  const touched = new Map<string, Set<string>>();
  for (const f of changed) {
    const groupId = ticketGroupIdOf(appId, f);
    touched.set(groupId, (touched.get(groupId) ?? new Set()).add(f.findingId));
  }
  const records = new Map(pending.map((t) => [t.groupId, t]));
  const unknown = [...touched.keys()].filter((g) => !records.has(g));
  for (const t of await getTickets(db, appId, unknown)) records.set(t.groupId, t);
  // a record from before member ids were kept cannot name its group's other findings: regroup the app
  if ([...records.values()].some((t) => t.members > 0 && t.memberIds.length === 0))
    return syncWholeApp(run, appId);
  // the rest of each touched group: the members its record remembers
  const groupIds = [...new Set([...touched.keys(), ...records.keys()])].sort();
  const missing = groupIds
    .flatMap((g) => records.get(g)?.memberIds ?? [])
    .filter((id, i, all) => !byId.has(id) && all.indexOf(id) === i);
  for (const f of await getFindings(db, appId, missing)) byId.set(f.findingId, f);
  for (const groupId of groupIds) {
    const record = records.get(groupId);
    const candidates = new Set([...(record?.memberIds ?? []), ...(touched.get(groupId) ?? [])]);
    const findings = [...candidates].map((id) => byId.get(id)).filter((f): f is TrackedFinding => !!f);
    // a finding whose location moved belongs to another group now: regroup and keep this one's
    const group = groupFindings(appId, findings).find((g) => g.groupId === groupId);
    if (group) await syncGroup(run, appId, group, membersOf(group, byId), record);
    else if (record) await syncGroup(run, appId, emptiedGroup(record), [], record);
  }
}

function membersOf(group: TicketGroup, byId: ReadonlyMap<string, TrackedFinding>): TrackedFinding[] {
  return group.members.map((id) => byId.get(id)).filter((f): f is TrackedFinding => !!f);
}

/** A group none of whose findings is left (all moved to other groups): its ticket is done. */
function emptiedGroup(record: TicketRecord, movedTo: readonly string[] = []): SyncedGroup {
  return {
    closeNote: movedTo.length
      ? `Closed by ASPM: its findings are now tracked in ${[...movedTo].sort().join(", ")} (tickets are grouped differently now).`
      : "Closed by ASPM: none of its findings is left in this group.",
    groupId: record.groupId,
    appId: record.appId,
    kind: "code",
    title: record.title,
    action: "No finding is left in this group",
    members: [],
    severity: "info",
    priority: record.priority as Priority,
    status: "done",
    contentHash: "emptied",
    owner: UNOWNED,
  };
}

/** Syncs one group; returns the key of its ticket when it has one. */
async function syncGroup(
  run: Run,
  appId: string,
  desired: SyncedGroup,
  members: readonly TrackedFinding[],
  previous: TicketRecord | undefined,
): Promise<string | undefined> {
  const { tracker } = run.deps;
  const result = run.result;
  const holdBack = desired.status === "open" ? heldBackBy(run.policy, members, run.now) : undefined;
  const group: SyncedGroup = holdBack ? heldBack(desired, holdBack) : desired;
  if (holdBack) result.heldBack++;
  // a group that never had a ticket and is already done needs none
  if (!previous && group.status === "done") return undefined;
  result.groups++;
  const human = previous?.human;
  // a key of another tracker (the outbox before Jira was configured) is never acted on
  const ownKey = previous?.ticketKey && tracker.owns(previous.ticketKey) ? previous.ticketKey : undefined;
  let gone = human?.state === "deleted" && human.key === ownKey;
  let key = gone ? undefined : ownKey;
  // what this tracker has: the record, unless its key is another tracker's (then it is re-resolved);
  // a record without a key is a group that needed no ticket
  const pushed = key || (previous && !previous.ticketKey) ? previous : undefined;
  const base: SyncedTicket = {
    groupId: group.groupId,
    appId,
    desiredHash: group.contentHash,
    status: group.status,
    title: group.title,
    priority: group.priority,
    members: group.members.length,
    memberIds: group.members,
    ...(previous?.route ? { route: previous.route } : {}),
    updatedAt: run.now.toISOString(),
  };
  const save = (ticket: Partial<SyncedTicket>, keep?: HumanChange) =>
    saveSyncedTicket(
      run.deps.db,
      { ...base, ...ticket },
      { ...(keep ? { keep } : {}), rev: previous?.humanRev },
    );

  if (
    pushed &&
    pushed.pushedHash === group.contentHash &&
    pushed.pushedStatus === group.status &&
    !human &&
    !previous?.lastError
  ) {
    result.unchanged++;
    if (sameMembers(previous?.memberIds ?? [], group.members)) return key;
    await save({ ticketKey: key, pushedHash: group.contentHash, pushedStatus: group.status });
    return key;
  }

  let route = previous?.route;
  try {
    route ??= await routeOf(run, group, members);
    const issue = ticketIssue(group, members, route);
    let trackerDone = false;
    let updated = false;
    for (let attempt = 0; ; attempt++) {
      try {
        if (!key) {
          const found = await tracker.findByLabel(groupLabel(group.groupId));
          // (search may still list the issue a person just deleted: that one is not adopted)
          if (found && !(gone && found.key === human?.key)) {
            // ours already, from a crashed run or another tracker's era: bring it up to date
            key = found.key;
            trackerDone = found.done;
            await tracker.update(key, issue);
            updated = true;
          } else if (group.status === "open") {
            key = await tracker.create(issue);
            result.created++;
            if (gone) {
              result.recreated++;
              await tracker.comment(key, recreatedNote(group, members, human, previous?.ticketKey));
            }
          } else {
            // done, and no ticket to close anywhere
            await save({ pushedHash: group.contentHash, pushedStatus: "done" });
            return undefined;
          }
        } else {
          trackerDone =
            (human?.key === key && (human.state === "done" || human.state === "wont_do")) ||
            pushed?.pushedStatus === "done";
          // a held-back or emptied group's ticket keeps its last content: only a note says why it closes
          if (pushed?.pushedHash !== group.contentHash && !group.heldBack && !group.closeNote) {
            await tracker.update(key, issue);
            updated = true;
            if (group.status === "open" && !trackerDone)
              await tracker.comment(key, adf.doc(adf.paragraph(`Scan update: ${group.action}.`)));
          }
        }
        break;
      } catch (error) {
        // deleted by a person without the webhook telling us: recreate once, in this run
        if (!(error instanceof TicketGoneError) || attempt > 0 || group.status !== "open") throw error;
        gone = true;
        key = undefined;
      }
    }
    if (updated) result.updated++;
    if (!key) throw new Error(`group ${group.groupId}: no ticket key after create`);

    let keep: HumanChange | undefined;
    if (group.status === "done") {
      if (!trackerDone) {
        await tracker.setDone(key, true);
        const note = group.heldBack
          ? `Closed by ASPM: ${group.heldBack}. Its findings stay tracked in ASPM; the ticket reopens if one becomes ticket-worthy.`
          : group.closeNote;
        if (note) await tracker.comment(key, adf.doc(adf.paragraph(note)));
        result.closed++;
      }
    } else if (trackerDone) {
      const reopenWith = await reasonToReopen(run, appId, members, human?.key === key ? human : undefined);
      if (reopenWith) {
        await tracker.setDone(key, false);
        await tracker.comment(key, reopenWith);
        result.reopened++;
      } else {
        keep = human;
        result.waiting++;
      }
    }
    await save(
      { ticketKey: key, route, pushedHash: group.contentHash, pushedStatus: keep ? "done" : group.status },
      keep,
    );
    return key;
  } catch (error) {
    result.failed++;
    result.firstError ??= (error as Error).message;
    // deleted under us: forget the key, so the next run finds or recreates the ticket
    if (error instanceof TicketGoneError) key = undefined;
    await save(
      {
        ...(key ? { ticketKey: key } : {}),
        ...(route ? { route } : {}),
        ...(pushed?.pushedHash ? { pushedHash: pushed.pushedHash } : {}),
        ...(pushed?.pushedStatus ? { pushedStatus: pushed.pushedStatus } : {}),
        lastError: (error as Error).message.slice(0, 500),
        failures: (previous?.failures ?? 0) + 1,
      },
      human,
    );
    // every further call would be rejected the same way: stop, and let the invocation fail
    if (error instanceof TrackerAuthError) throw error;
    return key;
  }
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/**
 * Why a ticket that is done in the tracker while its group is open here should reopen, or
 * undefined to leave it as the person left it for now:
 * - we closed it (or nobody says otherwise): a regression;
 * - a person closed it as Done: only once a scan after that still sees a finding, saying where;
 * - a person closed it as Won't Do: once the risk acceptance it requested is rejected or expired.
 */
async function reasonToReopen(
  run: Run,
  appId: string,
  members: readonly TrackedFinding[],
  human: HumanChange | undefined,
): Promise<AdfDoc | undefined> {
  if (!human || human.state === "deleted")
    return adf.doc(
      adf.paragraph("Regression: a finding of this group was seen again, so the ticket is reopened."),
    );
  if (human.state === "wont_do") {
    const stored = human.exceptionId ? await getException(run.deps.db, human.exceptionId) : undefined;
    const state = stored?.exception.state;
    if (state && state !== "rejected" && state !== "expired") return undefined;
    return adf.doc(
      adf.paragraph(
        `Reopened: this ticket was closed as ${human.resolution ?? "Won't Do"} by ${human.by}, but the risk acceptance ${human.exceptionId ?? "it needed"} was ${state ?? "never recorded"}${stored?.exception.decidedBy ? ` (by ${stored.exception.decidedBy})` : ""}, so its findings still need a fix.`,
      ),
    );
  }
  const open = members.filter((m) => isActionable(m, run.now));
  const seen = await stillSeen(run, appId, open, human.at);
  if (!seen.length) return undefined;
  return fitToLimit(seen.length, (listed) =>
    adf.doc(
      adf.paragraph(
        `Reopened: ${human.by} closed this ticket as Done on ${human.at.slice(0, 10)}, but a later scan still sees ${seen.length === 1 ? "a finding" : `${seen.length} findings`} of it:`,
      ),
      ...(listed ? [adf.bullets(seen.slice(0, listed).map((line) => [line]))] : []),
      ...(seen.length > listed ? [adf.paragraph(`…and ${seen.length - listed} more.`)] : []),
    ),
  );
}

/** Where each finding is still reported by a scan that ran after `since`. */
async function stillSeen(
  run: Run,
  appId: string,
  findings: readonly TrackedFinding[],
  since: string,
): Promise<string[]> {
  if (!findings.length) return [];
  let pending = run.states.get(appId);
  if (!pending) {
    pending = loadCommittedState(run.deps.db, run.deps.bucket, appId);
    run.states.set(appId, pending);
  }
  const state = await pending;
  if (!state) return [];
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const f of findings) {
    for (const scope of Object.values(state.scopes)) {
      if (scope.lastScanAt <= since || !scope.findings[f.findingId]) continue;
      seen.add(f.findingId);
      const where = f.location.file
        ? `${f.location.file}${f.location.startLine ? `:${f.location.startLine}` : ""}`
        : (f.location.url ?? f.location.resource ?? f.location.image ?? "");
      const what = `${vulnerabilityIds(f)[0] ?? f.rule.id}${f.package ? ` in ${f.package.name}@${f.package.version ?? "?"}` : ""}`;
      lines.push(
        `${what}${where ? ` at ${where}` : ""}: seen by ${scope.tool} (${scope.target}, branch ${scope.branch}) in scan ${scope.lastScanId} on ${scope.lastScanAt.slice(0, 10)}`.slice(
          0,
          500,
        ),
      );
    }
  }
  return seen.size ? lines : [];
}

function recreatedNote(
  group: TicketGroup,
  members: readonly TrackedFinding[],
  human: HumanChange | undefined,
  previousKey: string | undefined,
): AdfDoc {
  const open = members.filter((m) => isActionable(m)).length;
  const who = human?.state === "deleted" ? ` by ${human.by} on ${human.at.slice(0, 10)}` : "";
  return adf.doc(
    adf.paragraph(
      `Recreated: the previous ticket${previousKey ? ` ${previousKey}` : ""} for this fix was deleted${who}, but ${open} finding${open === 1 ? " is" : "s are"} still open (${group.action}). To stop tracking them, resolve the ticket as Won't Do to request a risk acceptance instead of deleting it.`,
    ),
  );
}
