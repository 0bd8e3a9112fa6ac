import type { TicketRoute } from "./routing.ts";

/**
 * Where a ticket group's ticket goes in the tracker (`TicketRoute`, resolved from the catalog's
 * routing rules in shared/domain/routing.ts). Applied when the ticket is created: later routing
 * changes do not move existing tickets, and a person's reassignment in Jira is never undone.
 */
export type { TicketRoute };

export function defaultRoute(project: string): TicketRoute {
  return { project, labels: [] };
}
