import { MethodNotAllowedError, NotFoundError, Router } from "@aws-lambda-powertools/event-handler/http";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { Principal } from "#shared/domain/token";
import { UseCaseError } from "#shared/usecases/errors";
import { authenticateToken, TokenRejected, TokenRequestError } from "#shared/usecases/tokens";
import { HttpError, parseJsonBody, validated } from "./http.ts";
import type { ApiDeps, Route } from "./route.ts";

/**
 * Builds the Powertools HTTP router from the route table: each row gets authentication (bearer
 * token → principal), validation of path, query and body with its zod schemas, and one JSON
 * response shape for every error. Path parameters are decoded once, by the router.
 */

const STATUS_OF_KIND: Record<UseCaseError["kind"], number> = {
  invalid: 400,
  forbidden: 403,
  "not-found": 404,
  conflict: 409,
};

/** Domain errors raised by older use cases, by name (they predate UseCaseError). */
const STATUS_OF_NAME: Record<string, number> = {
  ExceptionNotFoundError: 404,
  ExceptionTransitionError: 400,
  ExceptionConflictError: 409,
  ParameterValidationError: 400,
};

/** Nobody: the principal of public routes, which reaches no app. */
const ANONYMOUS: Principal = { subject: "anonymous", tokenId: "none", scope: { kind: "upload", apps: "-" } };

function reply(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
  });
}

export function errorResponse(error: unknown, logger: Pick<Logger, "error">): Response {
  if (error instanceof HttpError)
    return reply(error.statusCode, {
      error: error.message,
      ...(error.details ? { details: error.details } : {}),
    });
  if (error instanceof UseCaseError) return reply(STATUS_OF_KIND[error.kind], { error: error.message });
  if (error instanceof TokenRejected) return reply(401, { error: error.message });
  if (error instanceof TokenRequestError) return reply(400, { error: error.message });
  if (error instanceof NotFoundError) return reply(404, { error: "no such route" });
  if (error instanceof MethodNotAllowedError) return reply(405, { error: "method not allowed" });
  // decodeURIComponent of a path parameter with a malformed percent-escape
  if (error instanceof URIError) return reply(400, { error: "malformed percent-encoding in the path" });
  const name = error instanceof Error ? error.name : "";
  const status = STATUS_OF_NAME[name];
  if (status && error instanceof Error) return reply(status, { error: error.message });
  logger.error("unhandled API error", { error: error instanceof Error ? error : String(error) });
  return reply(500, { error: "internal error" });
}

function bearer(header: string | null): string {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  if (!match?.[1]) throw new HttpError(401, "missing bearer token");
  return match[1];
}

function toRouterPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ":$1");
}

export function buildRouter(routes: readonly Route[], getDeps: () => ApiDeps, logger: Logger): Router {
  const router = new Router({ logger });
  for (const r of routes) {
    router.route(
      async ({ req, params }) => {
        const deps = getDeps();
        const principal = r.public
          ? ANONYMOUS
          : await authenticateToken(deps, bearer(req.headers.get("authorization")));
        const url = new URL(req.url);
        const query: Record<string, string> = {};
        for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
        const rawBody = Buffer.from(await req.arrayBuffer());
        const result = await r.handler({
          deps,
          principal,
          params: r.params ? validated("path", r.params, params) : {},
          query: validated("query", r.query ?? EMPTY, query),
          body: r.body ? validated("body", r.body, parseJsonBody(rawBody.toString("utf8"))) : undefined,
          request: { headers: req.headers, rawBody },
        });
        return reply(result.status, result.body, result.headers);
      },
      { method: r.method, path: toRouterPath(r.path) as `/${string}` },
    );
  }
  router.errorHandler(Error, async (error) => errorResponse(error, logger));
  return router;
}

import { z } from "zod";

/** Routes without query parameters still reject unknown ones: a misspelt filter is never ignored. */
const EMPTY = z.strictObject({});
