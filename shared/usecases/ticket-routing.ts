import { assigneeEmails, resolveTicketRoute, type TicketRoute } from "#shared/domain/routing";
import type { TicketTracker } from "#shared/integrations/ticket-tracker";
import { getRouting, recordAccountLookups } from "#shared/store/catalog-store";
import type { TableRef } from "#shared/store/table-ref";

/** A miss is asked again after a day: the person may have joined Jira since. */
const RETRY_MISS_MS = 86_400_000;

/**
 * The routes of one ticket-sync run: reads the routing rules once, resolves assignee emails that
 * have no account id yet through the tracker's user search (once per email: hits are kept for
 * good, misses retried daily), and returns the route of each owner. Without rules, every owner
 * goes to `fallbackProject(owner)`.
 */
export async function ticketRouter(
  db: TableRef,
  tracker: TicketTracker,
  fallbackProject: (owner: string) => string,
  now: Date = new Date(),
): Promise<(owner: string) => TicketRoute> {
  const stored = await getRouting(db);
  const accounts: Record<string, string> = { ...stored?.accounts };
  if (stored && tracker.findUserAccountId) {
    const due = assigneeEmails(stored.rules).filter((email) => {
      if (accounts[email]) return false;
      const last = stored.lookedUpAt[email];
      return !last || now.getTime() - Date.parse(last) > RETRY_MISS_MS;
    });
    const results: Record<string, string> = {};
    for (const email of due) {
      try {
        results[email] = (await tracker.findUserAccountId(email)) ?? "";
      } catch {
        // the tracker is down or refuses: the ticket goes unassigned this run, and we ask again next run
      }
    }
    await recordAccountLookups(db, results, now.toISOString());
    Object.assign(accounts, results);
  }
  const known = Object.fromEntries(Object.entries(accounts).filter(([, id]) => id));
  return (owner) => resolveTicketRoute(stored?.rules, owner, fallbackProject(owner), known);
}
