import { createHmac, randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import Ajv04 from "ajv-draft-04";
import addFormats from "ajv-formats";
import { CONTRACTS_DIR, inCI } from "./corpus.ts";

/**
 * A local stand-in for the slice of Jira Cloud REST v3 that the ticket tracker uses, on 127.0.0.1:
 *
 *   POST /rest/api/3/search/jql                  (JQL `labels = "<label>"` only)
 *   POST /rest/api/3/issue
 *   PUT  /rest/api/3/issue/{key}
 *   GET  /rest/api/3/issue/{key}/transitions
 *   POST /rest/api/3/issue/{key}/transitions
 *   POST /rest/api/3/issue/{key}/comment
 *   GET  /rest/api/3/user/search?query=
 *
 * and, in the other direction, what a person does in Jira (resolve, reassign, delete) as the
 * webhook deliveries Jira would send for it, signed like Jira signs them (X-Hub-Signature).
 *
 * With contracts loaded (see `loadJiraContracts`), every request body is validated against
 * Atlassian's published OpenAPI beans and every ADF document (description, comment body) against
 * the ADF JSON Schema; a request that fails gets a 400 in Jira's error shape and is recorded in
 * `violations`. Every canned response is validated too, so the stand-in cannot drift from Jira.
 * Faults (429 with Retry-After, 5xx) can be queued ahead of the real answers, and a request can be
 * processed and then answered late (a client timeout after the change reached Jira).
 *
 * Workflows: "simple" (To Do, In Progress, Done, and a Won't Do status in the done category) or
 * "screens" (Done and Close ask for a resolution on their screen, Won't Do listed first).
 */

export const OPENAPI_FILE = "jira-platform-openapi.json";
export const ADF_FILE = "atlassian-adf-schema-v1.json";

export type JiraBean =
  | "IssueUpdateDetails"
  | "SearchAndReconcileRequestBean"
  | "Comment"
  | "SearchAndReconcileResults"
  | "CreatedIssue"
  | "Transitions"
  | "User"
  | "UserDetails"
  | "IssueBean"
  | "Changelog";

export interface JiraContracts {
  /** Problems of `body` as the named component schema, or [] when it is valid. */
  bean(name: JiraBean, body: unknown): string[];
  /** Problems of `doc` as an Atlassian Document Format document, or [] when it is valid. */
  adf(doc: unknown): string[];
}

function describeErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map(
    (e) => `${e.instancePath || "/"} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`,
  );
}

/**
 * The contracts for a test file: loaded, or (locally) undefined with the reason printed so the
 * file's contract tests skip. In CI (CI=true) missing contracts fail the run instead.
 */
export function requireJiraContracts(): JiraContracts | undefined {
  const loaded = loadJiraContracts();
  if (loaded.contracts) return loaded.contracts;
  if (inCI) throw new Error(`${loaded.reason}: CI needs ../shared/contracts`);
  console.warn(`Skipping the Jira contract tests: ${loaded.reason}`);
  return undefined;
}

/** Loads the stored schemas, or returns undefined (with the reason) when they are not there. */
export function loadJiraContracts(
  dir = CONTRACTS_DIR,
): { contracts: JiraContracts; reason?: undefined } | { contracts?: undefined; reason: string } {
  const openapiPath = resolve(dir, OPENAPI_FILE);
  const adfPath = resolve(dir, ADF_FILE);
  for (const path of [openapiPath, adfPath]) {
    if (!existsSync(path)) return { reason: `Jira contract file ${path} is absent` };
  }
  const spec = JSON.parse(readFileSync(openapiPath, "utf8")) as { components: unknown };
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema({ $id: "jira", components: spec.components });
  const beans = new Map<JiraBean, ValidateFunction>();
  const adfAjv = new Ajv04({ strict: false, allErrors: true });
  const adfValidate = adfAjv.compile(JSON.parse(readFileSync(adfPath, "utf8")) as object);
  return {
    contracts: {
      bean(name, body) {
        let validate = beans.get(name);
        if (!validate) {
          validate = ajv.getSchema(`jira#/components/schemas/${name}`);
          if (!validate) throw new Error(`no component schema ${name} in ${openapiPath}`);
          beans.set(name, validate);
        }
        return validate(body) ? [] : describeErrors(validate.errors).map((e) => `${name}: ${e}`);
      },
      adf(doc) {
        return adfValidate(doc) ? [] : describeErrors(adfValidate.errors).map((e) => `ADF: ${e}`);
      },
    },
  };
}

type Status = "To Do" | "In Progress" | "Done" | "Closed" | "Won't Do";

export interface StandinIssue {
  id: string;
  key: string;
  fields: Record<string, unknown>;
  status: Status;
  resolution?: string;
  comments: unknown[];
}

export interface StandinUser {
  accountId: string;
  displayName: string;
  /** Jira hides most addresses; user search still matches them. */
  emailAddress?: string;
}

/** A webhook delivery as Jira sends it: the raw body and its headers. */
export interface WebhookDelivery {
  body: string;
  headers: Record<string, string>;
  payload: Record<string, unknown>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  headers: IncomingMessage["headers"];
  /** Date.now() when the request arrived. */
  at: number;
  /** The status the stand-in answered. */
  status: number;
}

export interface Fault {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Only requests matching this method and path prefix get the fault; any request when absent. */
  match?: { method?: string; pathPrefix?: string };
}

export interface JiraStandin {
  baseUrl: string;
  email: string;
  apiToken: string;
  issues: Map<string, StandinIssue>;
  requests: RecordedRequest[];
  /** Contract violations of requests (and of the stand-in's own responses). */
  violations: string[];
  /** Queues faults answered, in order, before the normal route handling. */
  failNext(...faults: Fault[]): void;
  /** Answers every matching request with this fault until cleared with `failAlways(undefined)`. */
  failAlways(fault: Fault | undefined): void;
  /** The next matching request is processed normally but answered only after `delayMs`. */
  answerLate(match: Fault["match"], delayMs: number): void;
  users: StandinUser[];
  /** A person resolves the issue through a transition (e.g. "Won't Do", or "Done" with a resolution). */
  personResolves(key: string, by: StandinUser, transition: string, resolution?: string): WebhookDelivery;
  personAssigns(key: string, by: StandinUser, to: StandinUser): WebhookDelivery;
  personDeletes(key: string, by: StandinUser): WebhookDelivery;
  close(): Promise<void>;
}

const CATEGORY = {
  new: { id: 2, key: "new", name: "To Do", colorName: "blue-gray" },
  indeterminate: { id: 4, key: "indeterminate", name: "In Progress", colorName: "yellow" },
  done: { id: 3, key: "done", name: "Done", colorName: "green" },
} as const;
const STATUS_CATEGORY: Record<Status, (typeof CATEGORY)[keyof typeof CATEGORY]> = {
  "To Do": CATEGORY.new,
  "In Progress": CATEGORY.indeterminate,
  Done: CATEGORY.done,
  Closed: CATEGORY.done,
  "Won't Do": CATEGORY.done,
};

const STATUS_ID: Record<Status, string> = {
  "To Do": "10000",
  "In Progress": "3",
  Done: "10001",
  Closed: "6",
  "Won't Do": "10002",
};

const RESOLUTIONS = [
  { id: "10001", name: "Won't Do" },
  { id: "10000", name: "Done" },
  { id: "10002", name: "Duplicate" },
] as const;

interface StandinTransition {
  id: string;
  name: string;
  to: Status;
  /** The transition's screen asks for a resolution. */
  resolution?: boolean;
}

const WORKFLOWS: Record<"simple" | "screens", StandinTransition[]> = {
  // a refusal listed before the fix: choosing "the first done transition" would pick it
  simple: [
    { id: "41", name: "Won't Do", to: "Won't Do" },
    { id: "11", name: "To Do", to: "To Do" },
    { id: "21", name: "In Progress", to: "In Progress" },
    { id: "31", name: "Done", to: "Done" },
  ],
  screens: [
    { id: "41", name: "Won't Do", to: "Done", resolution: true },
    { id: "51", name: "Close", to: "Closed", resolution: true },
    { id: "31", name: "Done", to: "Done", resolution: true },
    { id: "61", name: "Reopen", to: "To Do" },
    { id: "21", name: "Start", to: "In Progress" },
  ],
};

const PRIORITIES = new Set(["Highest", "High", "Medium", "Low", "Lowest"]);

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly messages: string[],
  ) {
    super(messages.join("; "));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolveBody(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export async function startJiraStandin(
  options: {
    contracts?: JiraContracts;
    project?: string;
    email?: string;
    apiToken?: string;
    workflow?: "simple" | "screens";
    users?: StandinUser[];
    /** Signs webhook deliveries (X-Hub-Signature), as a Jira webhook with a secret does. */
    webhookSecret?: string;
    /** When given, creates must name one of these projects and only its components, as Jira enforces. */
    projects?: Record<string, { components: string[] }>;
  } = {},
): Promise<JiraStandin> {
  const transitions = WORKFLOWS[options.workflow ?? "simple"];
  const users = options.users ?? [];
  const late: Array<{ match: Fault["match"]; delayMs: number }> = [];
  let nextWebhook = 1;
  const instance = randomUUID();
  const email = options.email ?? "bot@example.com";
  const apiToken = options.apiToken ?? "jira-api-token";
  const expectedAuth = `Basic ${Buffer.from(`${email}:${apiToken}`).toString("base64")}`;
  const issues = new Map<string, StandinIssue>();
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const queued: Fault[] = [];
  let always: Fault | undefined;
  let nextId = 10000;
  let nextComment = 50000;
  // a deleted issue's number is never handed out again, as in Jira
  let nextKeyNumber = 1;
  let baseUrl = "";

  const matches = (fault: Fault, method: string, path: string) =>
    (!fault.match?.method || fault.match.method === method) &&
    (!fault.match?.pathPrefix || path.startsWith(fault.match.pathPrefix));

  const checkRequest = (bean: JiraBean, body: unknown, adfDocs: Array<[string, unknown]> = []) => {
    const problems = [...(options.contracts?.bean(bean, body) ?? [])];
    for (const [where, doc] of adfDocs) {
      if (doc !== undefined)
        problems.push(...(options.contracts?.adf(doc) ?? []).map((p) => `${where}: ${p}`));
    }
    if (problems.length) {
      violations.push(...problems);
      throw new HttpFailure(400, problems);
    }
  };

  const checkResponse = <T>(bean: JiraBean, body: T): T => {
    const problems = options.contracts?.bean(bean, body) ?? [];
    if (problems.length) {
      violations.push(...problems.map((p) => `stand-in response: ${p}`));
      throw new HttpFailure(500, problems);
    }
    return body;
  };

  const issueOr404 = (key: string) => {
    const issue = issues.get(key);
    if (!issue) throw new HttpFailure(404, ["Issue does not exist or you do not have permission to see it."]);
    return issue;
  };

  const statusField = (issue: StandinIssue) => ({
    self: `${baseUrl}/rest/api/3/status/${STATUS_ID[issue.status]}`,
    id: STATUS_ID[issue.status],
    name: issue.status,
    statusCategory: {
      self: `${baseUrl}/rest/api/3/statuscategory/${STATUS_CATEGORY[issue.status].id}`,
      ...STATUS_CATEGORY[issue.status],
    },
  });

  /** Field rules Jira enforces beyond the bean: what a real create/edit would reject. */
  const checkFields = (fields: Record<string, unknown>, creating: boolean) => {
    const problems: Record<string, string> = {};
    if (creating) {
      if (!isRecord(fields.project) || typeof fields.project.key !== "string")
        problems.project = "Specify a project";
      if (!isRecord(fields.issuetype)) problems.issuetype = "Specify an issue type";
      if (typeof fields.summary !== "string" || !fields.summary.trim())
        problems.summary = "You must specify a summary.";
    } else if ("project" in fields) {
      problems.project = "Field 'project' cannot be set. It is not on the appropriate screen, or unknown.";
    }
    if (typeof fields.summary === "string" && fields.summary.length > 255)
      problems.summary = "Summary must be less than 255 characters.";
    if ("labels" in fields) {
      const labels = fields.labels;
      if (
        !Array.isArray(labels) ||
        labels.some((l) => typeof l !== "string" || !l || /\s/.test(l) || l.length > 255)
      )
        problems.labels = "Labels must be strings without spaces.";
    }
    if ("priority" in fields) {
      const p = fields.priority;
      if (!isRecord(p) || typeof p.name !== "string" || !PRIORITIES.has(p.name))
        problems.priority = `Priority name '${JSON.stringify(p)}' is not valid`;
    }
    const projectKey = isRecord(fields.project) ? fields.project.key : undefined;
    const project = typeof projectKey === "string" ? options.projects?.[projectKey] : undefined;
    if (creating && options.projects && !project) problems.project = "valid project is required";
    if ("components" in fields) {
      const list = fields.components;
      const names = Array.isArray(list) ? list.map((c) => (isRecord(c) ? c.name : undefined)) : [undefined];
      const allowed = creating ? project?.components : undefined;
      const bad = names.find((n) => typeof n !== "string" || (allowed && !allowed.includes(n)));
      if (bad !== undefined || names.includes(undefined))
        problems.components = `Component name '${String(bad)}' is not valid`;
    }
    if ("assignee" in fields && options.users) {
      const a = fields.assignee;
      const id = isRecord(a) ? a.accountId : undefined;
      if (!options.users.some((u) => u.accountId === id))
        problems.assignee = `User '${String(id)}' cannot be assigned issues.`;
    }
    if (
      "duedate" in fields &&
      !(typeof fields.duedate === "string" && /^\d{4}-\d{2}-\d{2}$/.test(fields.duedate))
    )
      problems.duedate = "Error parsing date string: expected yyyy-MM-dd.";
    const messages = Object.entries(problems).map(([k, v]) => `${k}: ${v}`);
    if (messages.length) {
      violations.push(...messages.map((m) => `Jira field rule: ${m}`));
      throw new HttpFailure(400, messages);
    }
  };

  async function route(
    method: string,
    path: string,
    body: unknown,
    query: URLSearchParams,
  ): Promise<{ status: number; body?: unknown }> {
    const expandFields = (query.get("expand") ?? "").split(",").includes("transitions.fields");
    if (method === "GET" && path === "/rest/api/3/user/search") {
      const q = (query.get("query") ?? "").toLowerCase();
      if (!q) throw new HttpFailure(400, ["The query parameter 'query' is required."]);
      const found = users
        .filter(
          (u) => u.emailAddress?.toLowerCase().startsWith(q) || u.displayName.toLowerCase().startsWith(q),
        )
        .slice(0, Number(query.get("maxResults") ?? 50))
        .map((u) => ({
          self: `${baseUrl}/rest/api/3/user?accountId=${u.accountId}`,
          accountId: u.accountId,
          accountType: "atlassian",
          displayName: u.displayName,
          active: true,
        }));
      for (const u of found) checkResponse("User", u);
      return { status: 200, body: found };
    }
    if (method === "POST" && path === "/rest/api/3/search/jql") {
      checkRequest("SearchAndReconcileRequestBean", body);
      const request = body as { jql?: string; maxResults?: number; fields?: string[] };
      const label = /^labels\s*=\s*"([^"]*)"$/.exec(request.jql?.trim() ?? "")?.[1];
      if (label === undefined)
        throw new HttpFailure(400, [`the stand-in only answers labels = "<label>", not ${request.jql}`]);
      const found = [...issues.values()]
        .filter((i) => Array.isArray(i.fields.labels) && i.fields.labels.includes(label))
        .slice(0, request.maxResults ?? 50);
      const wantStatus = request.fields?.includes("status") || request.fields?.includes("*all");
      return {
        status: 200,
        body: checkResponse("SearchAndReconcileResults", {
          isLast: true,
          issues: found.map((i) => ({
            id: i.id,
            key: i.key,
            self: `${baseUrl}/rest/api/3/issue/${i.id}`,
            fields: wantStatus ? { status: statusField(i) } : {},
          })),
        }),
      };
    }
    if (method === "POST" && path === "/rest/api/3/issue") {
      const fields = isRecord(body) && isRecord(body.fields) ? body.fields : {};
      checkRequest("IssueUpdateDetails", body, [["fields.description", fields.description]]);
      checkFields(fields, true);
      const assignee = isRecord(fields.assignee) ? fields.assignee.accountId : undefined;
      if (assignee !== undefined && !users.some((u) => u.accountId === assignee))
        throw new HttpFailure(400, [`assignee: User '${String(assignee)}' does not exist.`]);
      const project = (fields.project as { key: string }).key;
      const id = String(nextId++);
      const key = `${project}-${nextKeyNumber++}`;
      issues.set(key, { id, key, fields: structuredClone(fields), status: "To Do", comments: [] });
      return {
        status: 201,
        body: checkResponse("CreatedIssue", { id, key, self: `${baseUrl}/rest/api/3/issue/${id}` }),
      };
    }
    const issuePath = /^\/rest\/api\/3\/issue\/([^/]+)(\/transitions|\/comment)?$/.exec(path);
    const key = issuePath?.[1] ? decodeURIComponent(issuePath[1]) : undefined;
    if (key && method === "PUT" && !issuePath?.[2]) {
      const fields = isRecord(body) && isRecord(body.fields) ? body.fields : {};
      checkRequest("IssueUpdateDetails", body, [["fields.description", fields.description]]);
      const issue = issueOr404(key);
      checkFields(fields, false);
      issue.fields = { ...issue.fields, ...structuredClone(fields) };
      // `update` operations on labels: add, remove, set (what keeps a person's own labels)
      const ops = isRecord(body) && isRecord(body.update) ? body.update.labels : undefined;
      if (Array.isArray(ops)) {
        let labels = Array.isArray(issue.fields.labels) ? [...(issue.fields.labels as string[])] : [];
        for (const op of ops) {
          if (!isRecord(op)) continue;
          if (typeof op.add === "string" && !labels.includes(op.add)) labels.push(op.add);
          if (typeof op.remove === "string") labels = labels.filter((l) => l !== op.remove);
          if (Array.isArray(op.set)) labels = op.set.filter((l): l is string => typeof l === "string");
        }
        checkFields({ labels }, false);
        issue.fields.labels = labels;
      }
      return { status: 204 };
    }
    if (key && issuePath?.[2] === "/transitions" && method === "GET") {
      issueOr404(key);
      return {
        status: 200,
        body: checkResponse("Transitions", {
          transitions: transitions.map((t) => ({
            id: t.id,
            name: t.name,
            hasScreen: !!t.resolution,
            isGlobal: true,
            isInitial: false,
            isAvailable: true,
            isConditional: false,
            to: {
              self: `${baseUrl}/rest/api/3/status/${STATUS_ID[t.to]}`,
              id: STATUS_ID[t.to],
              name: t.to,
              statusCategory: STATUS_CATEGORY[t.to],
            },
            ...(t.resolution && expandFields
              ? {
                  fields: {
                    resolution: {
                      key: "resolution",
                      name: "Resolution",
                      required: true,
                      operations: ["set"],
                      schema: { type: "resolution", system: "resolution" },
                      allowedValues: RESOLUTIONS.map((r) => ({
                        self: `${baseUrl}/rest/api/3/resolution/${r.id}`,
                        id: r.id,
                        name: r.name,
                      })),
                    },
                  },
                }
              : {}),
          })),
        }),
      };
    }
    if (key && issuePath?.[2] === "/transitions" && method === "POST") {
      checkRequest("IssueUpdateDetails", body);
      const issue = issueOr404(key);
      const id = isRecord(body) && isRecord(body.transition) ? body.transition.id : undefined;
      const transition = transitions.find((t) => t.id === id);
      if (!transition)
        throw new HttpFailure(400, [`Transition id '${String(id)}' is not valid for this issue.`]);
      const fields = isRecord(body) && isRecord(body.fields) ? body.fields : {};
      const given = isRecord(fields.resolution) ? fields.resolution : undefined;
      const resolution = RESOLUTIONS.find((r) => r.id === given?.id || r.name === given?.name);
      if (given && !transition.resolution)
        throw new HttpFailure(400, [
          "resolution: Field 'resolution' cannot be set. It is not on the appropriate screen, or unknown.",
        ]);
      if (transition.resolution && !resolution)
        throw new HttpFailure(400, ["resolution: Resolution is required."]);
      issue.status = transition.to;
      if (resolution) issue.resolution = resolution.name;
      else if (STATUS_CATEGORY[transition.to].key !== "done") delete issue.resolution;
      else if (transition.to === "Won't Do") issue.resolution = "Won't Do";
      else issue.resolution = "Done";
      return { status: 204 };
    }
    if (key && issuePath?.[2] === "/comment" && method === "POST") {
      checkRequest("Comment", body, [["body", isRecord(body) ? body.body : undefined]]);
      const issue = issueOr404(key);
      const comment = isRecord(body) ? body.body : undefined;
      if (comment === undefined) throw new HttpFailure(400, ["Comment body can not be empty!"]);
      issue.comments.push(structuredClone(comment));
      const id = String(nextComment++);
      const now = new Date().toISOString();
      return {
        status: 201,
        body: checkResponse("Comment", {
          id,
          self: `${baseUrl}/rest/api/3/issue/${issue.id}/comment/${id}`,
          body: comment,
          created: now,
          updated: now,
        }),
      };
    }
    throw new HttpFailure(404, [`the stand-in has no route for ${method} ${path}`]);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname;
    const raw = await readBody(req);
    const answer = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      requests.push({ method, path, body: parsed, headers: req.headers, at, status });
      const text =
        payload === undefined ? "" : typeof payload === "string" ? payload : JSON.stringify(payload);
      if (res.destroyed) return; // the client gave up waiting
      res.writeHead(status, {
        ...(text ? { "content-type": "application/json;charset=UTF-8" } : {}),
        ...headers,
      });
      res.end(text);
    };
    let parsed: unknown;
    try {
      parsed = raw ? JSON.parse(raw) : undefined;
    } catch {
      violations.push(`${method} ${path}: body is not JSON`);
      answer(400, { errorMessages: ["Unexpected character in the request body"], errors: {} });
      return;
    }
    const fault =
      queued.find((f) => matches(f, method, path)) ??
      (always && matches(always, method, path) ? always : undefined);
    if (fault) {
      const index = queued.indexOf(fault);
      if (index >= 0) queued.splice(index, 1);
      answer(
        fault.status,
        fault.body ?? { errorMessages: [`injected ${fault.status}`], errors: {} },
        fault.headers,
      );
      return;
    }
    if (req.headers.authorization !== expectedAuth) {
      answer(401, { errorMessages: ["Client must be authenticated to access this resource."], errors: {} });
      return;
    }
    if (raw && !/^application\/json/.test(req.headers["content-type"] ?? "")) {
      violations.push(`${method} ${path}: body sent as ${req.headers["content-type"] ?? "no content type"}`);
      answer(415, { errorMessages: ["Unsupported Media Type"], errors: {} });
      return;
    }
    try {
      const out = await route(method, path, parsed, url.searchParams);
      const slow = late.find((l) => matches({ status: 0, match: l.match }, method, path));
      if (slow) {
        late.splice(late.indexOf(slow), 1);
        // done in Jira; the answer comes after the client has given up
        await new Promise((r) => setTimeout(r, slow.delayMs));
      }
      answer(out.status, out.body);
    } catch (error) {
      if (error instanceof HttpFailure) answer(error.status, { errorMessages: error.messages, errors: {} });
      else answer(500, { errorMessages: [String(error)], errors: {} });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const userDetails = (u: StandinUser) => ({
    self: `${baseUrl}/rest/api/3/user?accountId=${u.accountId}`,
    accountId: u.accountId,
    displayName: u.displayName,
    ...(u.emailAddress ? { emailAddress: u.emailAddress } : {}),
    active: true,
    timeZone: "Europe/Paris",
    accountType: "atlassian",
  });

  /** What Jira posts to a webhook for an issue event, checked against the beans it is made of. */
  const deliver = (
    webhookEvent: "jira:issue_updated" | "jira:issue_deleted",
    issue: StandinIssue,
    by: StandinUser,
    items: Array<Record<string, string | undefined>>,
  ): WebhookDelivery => {
    const user = userDetails(by);
    const assignee = users.find(
      (u) => isRecord(issue.fields.assignee) && u.accountId === issue.fields.assignee.accountId,
    );
    const issueBean = {
      id: issue.id,
      self: `${baseUrl}/rest/api/3/issue/${issue.id}`,
      key: issue.key,
      fields: {
        ...structuredClone(issue.fields),
        status: statusField(issue),
        resolution: issue.resolution
          ? {
              ...RESOLUTIONS.find((r) => r.name === issue.resolution),
              self: `${baseUrl}/rest/api/3/resolution/1`,
            }
          : null,
        assignee: assignee ? userDetails(assignee) : null,
      },
    };
    const changelog = { id: String(nextWebhook + 70000), items };
    const problems = [
      ...(options.contracts?.bean("IssueBean", issueBean) ?? []),
      ...(options.contracts?.bean("UserDetails", user) ?? []),
      ...(items.length ? (options.contracts?.bean("Changelog", changelog) ?? []) : []),
    ];
    if (problems.length) violations.push(...problems.map((p) => `stand-in webhook: ${p}`));
    const payload: Record<string, unknown> = {
      timestamp: Date.now(),
      webhookEvent,
      ...(webhookEvent === "jira:issue_updated" ? { issue_event_type_name: "issue_generic" } : {}),
      user,
      issue: issueBean,
      ...(items.length ? { changelog } : {}),
    };
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = {
      "content-type": "application/json; charset=utf-8",
      // unique per delivery, as Jira's are (a retry of one delivery repeats it)
      "x-atlassian-webhook-identifier": `${instance}-${nextWebhook++}`,
    };
    if (options.webhookSecret)
      headers["x-hub-signature"] =
        `sha256=${createHmac("sha256", options.webhookSecret).update(body).digest("hex")}`;
    return { body, headers, payload };
  };

  const item = (
    field: string,
    from: string | undefined,
    to: string | undefined,
    fromText?: string,
    toText?: string,
  ) => ({
    field,
    fieldtype: "jira",
    fieldId: field,
    ...(from !== undefined ? { from } : {}),
    ...(fromText !== undefined ? { fromString: fromText } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(toText !== undefined ? { toString: toText } : {}),
  });

  return {
    baseUrl,
    email,
    apiToken,
    issues,
    requests,
    violations,
    users,
    answerLate: (match, delayMs) => late.push({ match, delayMs }),
    personResolves(key, by, transitionName, resolution) {
      const issue = issueOr404(key);
      const transition = transitions.find((t) => t.name === transitionName);
      if (!transition) throw new Error(`no transition ${transitionName}`);
      const fromStatus = issue.status;
      const fromResolution = issue.resolution;
      issue.status = transition.to;
      issue.resolution = resolution ?? (transition.to === "Won't Do" ? "Won't Do" : "Done");
      return deliver("jira:issue_updated", issue, by, [
        item(
          "resolution",
          undefined,
          RESOLUTIONS.find((r) => r.name === issue.resolution)?.id,
          fromResolution,
          issue.resolution,
        ),
        item("status", STATUS_ID[fromStatus], STATUS_ID[issue.status], fromStatus, issue.status),
      ]);
    },
    personAssigns(key, by, to) {
      const issue = issueOr404(key);
      const previous = users.find(
        (u) => isRecord(issue.fields.assignee) && u.accountId === issue.fields.assignee.accountId,
      );
      issue.fields.assignee = { accountId: to.accountId };
      return deliver("jira:issue_updated", issue, by, [
        item("assignee", previous?.accountId, to.accountId, previous?.displayName, to.displayName),
      ]);
    },
    personDeletes(key, by) {
      const issue = issueOr404(key);
      issues.delete(key);
      return deliver("jira:issue_deleted", issue, by, []);
    },
    failNext: (...faults) => queued.push(...faults),
    failAlways: (fault) => {
      always = fault;
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
