/**
 * Where a ticket group's ticket goes in the tracker. Ownership routing (team → project, component,
 * assignee, labels) resolves it; without routing rules every group goes to the default project.
 * Applied when the ticket is created: later routing changes do not move existing tickets, and a
 * person's reassignment in Jira is never undone.
 */
export interface TicketRoute {
  project: string;
  component?: string;
  /** A Jira account id; or an email, which the tracker resolves once through user search. */
  assigneeAccountId?: string;
  assigneeEmail?: string;
  /** Extra labels besides aspm's own. */
  labels: string[];
}

export function defaultRoute(project: string): TicketRoute {
  return { project, labels: [] };
}
