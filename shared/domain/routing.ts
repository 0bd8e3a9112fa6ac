import { z } from "zod";

/**
 * Routing rules (DESIGN §8): where a team's work and digests go. Written as the `routing:` section
 * of our catalog YAML:
 *
 *   routing:
 *     default:  { jira: { project: SEC } }              # teams without a rule of their own
 *     triage:   { jira: { project: TRIAGE, component: Intake }, slack: "#sec-triage" }  # unowned work
 *     leaders:  { slack: "#security-leads", email: [ciso@acme.example] }                # the org digest
 *     teams:
 *       payments:
 *         jira: { project: PAY, component: Payments, assignee: lead@acme.example, labels: [security] }
 *         slack: "#payments-eng"
 *         email: [payments-leads@acme.example]
 *
 * An assignee is a Jira account id, or an email that the tracker resolves once to an account id.
 */

export const UNOWNED = "unowned";

const JiraLabel = z.string().trim().min(1).max(255).regex(/^\S+$/, "Jira labels cannot contain spaces");
const Email = z
  .string()
  .trim()
  .regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, "not an email address");

const JiraRule = z
  .object({
    project: z
      .string()
      .trim()
      .regex(/^[A-Z][A-Z0-9_]{1,254}$/, "Jira project keys are upper-case letters, digits and _"),
    component: z.string().trim().min(1).max(255),
    /** An account id, or an email resolved through Jira's user search. */
    assignee: z.string().trim().min(1).max(320),
    labels: z.array(JiraLabel).max(20),
  })
  .partial();

const Destination = z.object({
  jira: JiraRule.optional(),
  /** A channel name (`#payments-eng`) or id. */
  slack: z.string().trim().min(1).max(80).optional(),
  email: z.union([Email.transform((e) => [e]), z.array(Email).max(50)]).optional(),
});
export type Destination = z.infer<typeof Destination>;

export const RoutingRules = z.object({
  default: Destination.optional(),
  triage: Destination.optional(),
  leaders: Destination.optional(),
  teams: z.record(z.string().trim().min(1).max(200), Destination).default({}),
});
export type RoutingRules = z.infer<typeof RoutingRules>;

export class RoutingError extends Error {
  override readonly name = "RoutingError";
}

export function parseRoutingSection(raw: unknown): RoutingRules {
  const parsed = RoutingRules.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RoutingError(`routing: ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

/** Where a ticket group's ticket goes: what the reconciler needs to create it, already resolved. */
export const TicketRoute = z.object({
  project: z.string(),
  component: z.string().optional(),
  assigneeAccountId: z.string().optional(),
  /** An assignee email no account id is known for yet (the tracker could not resolve it). */
  assigneeEmail: z.string().optional(),
  labels: z.array(z.string()),
});
export type TicketRoute = z.infer<typeof TicketRoute>;

function isEmail(value: string): boolean {
  return Email.safeParse(value).success;
}

/** The rule of a team, matched exactly first and then case-insensitively. */
function teamRule(rules: RoutingRules, owner: string): Destination | undefined {
  const exact = rules.teams[owner];
  if (exact) return exact;
  const lower = owner.toLowerCase();
  return Object.entries(rules.teams).find(([team]) => team.toLowerCase() === lower)?.[1];
}

/** A label that says who owns the ticket, safe for Jira (no spaces, bounded). */
export function ownerLabel(owner: string): string {
  return `aspm-owner-${owner.replace(/[^A-Za-z0-9_.@-]+/g, "-").slice(0, 200)}`;
}

/**
 * The route of an owner's tickets: the team's rule (or the triage rule for unowned work), with
 * whatever it leaves out taken from `default`, and the project of last resort when neither names
 * one. `accounts` holds the account ids already resolved for assignee emails.
 */
export function resolveTicketRoute(
  rules: RoutingRules | undefined,
  owner: string,
  fallbackProject: string,
  accounts: Readonly<Record<string, string>> = {},
): TicketRoute {
  const own = rules ? (owner === UNOWNED ? rules.triage : teamRule(rules, owner)) : undefined;
  const base = rules?.default?.jira;
  const jira = { ...base, ...own?.jira };
  const labels = [...new Set([...(base?.labels ?? []), ...(own?.jira?.labels ?? []), ownerLabel(owner)])];
  const route: TicketRoute = { project: jira.project ?? fallbackProject, labels };
  if (jira.component) route.component = jira.component;
  if (jira.assignee) {
    if (!isEmail(jira.assignee)) route.assigneeAccountId = jira.assignee;
    else {
      const id = accounts[jira.assignee.toLowerCase()];
      if (id) route.assigneeAccountId = id;
      else route.assigneeEmail = jira.assignee;
    }
  }
  return route;
}

/** Every assignee email the rules name: what the tracker's user search must resolve once. */
export function assigneeEmails(rules: RoutingRules): string[] {
  const all = [rules.default, rules.triage, rules.leaders, ...Object.values(rules.teams)]
    .map((d) => d?.jira?.assignee)
    .filter((a): a is string => !!a && isEmail(a))
    .map((a) => a.toLowerCase());
  return [...new Set(all)].sort();
}

/** One digest audience: the org's leaders, the triage queue, or a team, with where it goes. */
export interface DigestAudience {
  kind: "leaders" | "team";
  /** The team id (`unowned` for the triage queue); "org" for leaders. */
  id: string;
  slack?: string;
  email?: string[];
}

/** Who gets a digest: leaders, then each team (and the triage queue) that names a channel or list. */
export function digestAudiences(rules: RoutingRules | undefined): DigestAudience[] {
  const out: DigestAudience[] = [];
  const add = (kind: DigestAudience["kind"], id: string, d: Destination | undefined) => {
    if (!d?.slack && !d?.email?.length) return;
    out.push({ kind, id, ...(d.slack ? { slack: d.slack } : {}), ...(d.email ? { email: d.email } : {}) });
  };
  add("leaders", "org", rules?.leaders);
  add("team", UNOWNED, rules?.triage);
  for (const [team, d] of Object.entries(rules?.teams ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)))
    add("team", team, d);
  return out;
}
