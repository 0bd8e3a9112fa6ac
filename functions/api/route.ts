import type { z } from "zod";
import type { Principal } from "#shared/domain/token";
import type { BucketRef } from "#shared/store/blob-store";
import type { TableRef } from "#shared/store/table-ref";
import type { JiraWebhookDeps } from "#shared/usecases/jira-webhook";

/** What every route may use; built once per container by the handler. */
export interface ApiDeps {
  db: TableRef;
  bucket: BucketRef;
  maxUploadBytes: number;
  trackedBranches: ReadonlySet<string>;
  /** The bootstrap admin token's secret (cached); undefined when the deployment has none. */
  adminToken: () => Promise<string | undefined>;
  /** Jira's webhook, when Jira is configured: its shared secret is read at run time. */
  jiraWebhook?: Omit<JiraWebhookDeps, "db"> & {
    secret: () => Promise<string>;
    rejected?: (why: string) => void;
  };
  now?: () => Date;
}

export type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
}

type AnyObject = z.ZodType<Record<string, unknown>, Record<string, unknown>>;

export interface RouteContext<P, Q, B> {
  deps: ApiDeps;
  principal: Principal;
  params: P;
  query: Q;
  body: B;
  /** The request as sent: for routes that check a signature over the exact bytes. */
  request: { headers: Headers; rawBody: Buffer };
}

/**
 * One row of the route table: method, path (OpenAPI template), the zod schemas of its inputs and
 * outputs (validated at run time, and the source of /v1/openapi.json), and a handler that calls one
 * use case. `public` routes need no token.
 */
export interface Route {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  public?: boolean;
  params?: AnyObject;
  query?: AnyObject;
  body?: z.ZodType;
  responses: Record<number, ResponseSpec>;
  handler: (ctx: RouteContext<Record<string, unknown>, Record<string, unknown>, unknown>) => Promise<Reply>;
}

/** Typed construction of a route: the handler sees the parsed types of its schemas. */
export function route<
  P extends AnyObject = z.ZodObject<Record<string, never>>,
  Q extends AnyObject = z.ZodObject<Record<string, never>>,
  B extends z.ZodType = z.ZodUndefined,
>(spec: {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  public?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  responses: Record<number, ResponseSpec>;
  handler: (ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>) => Promise<Reply>;
}): Route {
  return spec as unknown as Route;
}
