import { z } from "zod";
import * as S from "#shared/api-contract";
import { AppId } from "#shared/domain/app";
import { ExceptionState } from "#shared/domain/exception";
import { CVE_PATTERN, FindingFilter, FindingRef, PageQuery } from "#shared/domain/finding-query";
import { Scan } from "#shared/domain/scan";
import { allows, type Principal } from "#shared/domain/token";
import { getApp, listApps } from "#shared/store/app-store";
import { getScan, listScansOfApp } from "#shared/store/scan-store";
import { isCatalogInputError, PushCatalogRequest, pushCatalog } from "#shared/usecases/catalog";
import { CreateUploadRequest, createUpload } from "#shared/usecases/create-upload";
import { forbidden, notFound } from "#shared/usecases/errors";
import {
  approveException,
  DecisionBody,
  ExceptionRequestBody,
  ExceptionStatesQuery,
  getVisibleException,
  listVisibleExceptions,
  rejectException,
  requestException,
} from "#shared/usecases/exception-requests";
import { appSbom, packageUses } from "#shared/usecases/inventory";
import { handleJiraWebhook, JiraWebhookEvent } from "#shared/usecases/jira-webhook";
import { getFinding, queryFindings, readableApp } from "#shared/usecases/query-findings";
import { CreateTokenRequest, createToken, listAllTokens, revoke } from "#shared/usecases/tokens";
import { TriageRequest, triageFinding } from "#shared/usecases/triage";
import { decodeCursor, encodeCursor, HttpError, parseJsonBody, validated } from "./http.ts";
import { openApiDocument } from "./openapi.ts";
import { type Route, route } from "./route.ts";
import { verifyHubSignature } from "./webhook-signature.ts";

/**
 * The route table: one row per use case. A new route is one more `route({...})` here (its
 * schemas are validated at run time and published in /v1/openapi.json), and nothing else.
 */

const AppParams = z.strictObject({ appId: AppId });
const RefParams = z.strictObject({ ref: FindingRef });
const IdParams = z.strictObject({ id: z.string().min(1).max(200) });
const CursorOnly = z.strictObject({ cursor: z.string().max(2000).optional() });

const denied = { description: "the token may not do this", schema: S.ErrorBody };
const invalid = { description: "invalid request", schema: S.ErrorBody };
const missing = { description: "not found", schema: S.ErrorBody };

function requireAdmin(principal: Principal): void {
  if (!allows(principal, "admin", { portfolio: true })) throw forbidden("this needs an admin token");
}

async function findingsReply(
  deps: Parameters<Route["handler"]>[0]["deps"],
  principal: Principal,
  filter: z.output<typeof FindingFilter>,
  page: { cursor?: string; limit?: number },
) {
  return queryFindings(deps, principal, filter, page);
}

export const ROUTES: Route[] = [
  route({
    method: "GET",
    path: "/v1/openapi.json",
    summary: "This API's OpenAPI 3.1 document",
    tag: "meta",
    public: true,
    responses: { 200: { description: "OpenAPI 3.1", schema: S.OpenApiDocument } },
    handler: async () => ({ status: 200, body: openApiDocument(ROUTES) }),
  }),
  route({
    method: "GET",
    path: "/v1/me",
    summary: "Who the token acts as, and its scope",
    tag: "tokens",
    responses: { 200: { description: "the caller", schema: S.Me } },
    handler: async ({ principal }) => ({ status: 200, body: principal }),
  }),
  route({
    method: "POST",
    path: "/v1/uploads",
    summary: "Create a scan and its presigned POST",
    tag: "scans",
    body: CreateUploadRequest,
    responses: { 201: { description: "scan created", schema: S.UploadCreated }, 400: invalid, 403: denied },
    handler: async ({ deps, principal, body }) => {
      const app = await getApp(deps.db, body.app);
      if (!allows(principal, "upload", { app: body.app, team: app?.team ?? "unowned" }))
        throw forbidden(`this token may not upload for app ${body.app}`);
      const result = await createUpload(deps, body);
      return { status: 201, body: { ...result, statusUrl: `/v1/scans/${result.scanId}` } };
    },
  }),
  route({
    method: "GET",
    path: "/v1/scans/{scanId}",
    summary: "A scan: status, counts, failure reason, gate",
    tag: "scans",
    params: z.strictObject({ scanId: z.string().regex(/^[A-Za-z0-9_-]{10,64}$/, "a scan id") }),
    responses: { 200: { description: "the scan", schema: Scan }, 400: invalid, 403: denied, 404: missing },
    handler: async ({ deps, principal, params }) => {
      const scan = await getScan(deps.db, params.scanId);
      if (!scan) throw notFound("no such scan");
      await readableApp(deps.db, principal, scan.appId);
      return { status: 200, body: scan };
    },
  }),
  route({
    method: "GET",
    path: "/v1/apps",
    summary: "The apps this token may read",
    tag: "apps",
    responses: { 200: { description: "apps", schema: S.AppList } },
    handler: async ({ deps, principal }) => {
      const apps = (await listApps(deps.db)).filter((a) =>
        allows(principal, "read", { app: a.appId, team: a.team ?? "unowned" }),
      );
      return { status: 200, body: { apps } };
    },
  }),
  route({
    method: "GET",
    path: "/v1/apps/{appId}",
    summary: "One app and its context",
    tag: "apps",
    params: AppParams,
    responses: {
      200: { description: "the app", schema: S.AppList.shape.apps.element },
      400: invalid,
      403: denied,
      404: missing,
    },
    handler: async ({ deps, principal, params }) => ({
      status: 200,
      body: await readableApp(deps.db, principal, params.appId),
    }),
  }),
  route({
    method: "GET",
    path: "/v1/apps/{appId}/scans",
    summary: "Scans of an app, newest first",
    tag: "scans",
    params: AppParams,
    query: CursorOnly,
    responses: {
      200: { description: "a page of scans", schema: S.ScanPage },
      400: invalid,
      403: denied,
      404: missing,
    },
    handler: async ({ deps, principal, params, query }) => {
      await readableApp(deps.db, principal, params.appId);
      const bind = `scans:${params.appId}`;
      const page = await listScansOfApp(deps.db, params.appId, 20, decodeCursor(query.cursor, bind));
      return { status: 200, body: { scans: page.scans, cursor: encodeCursor(page.cursor, bind) } };
    },
  }),
  route({
    method: "GET",
    path: "/v1/apps/{appId}/findings",
    summary: "Findings of an app (same filters as /v1/findings)",
    tag: "findings",
    params: AppParams,
    query: FindingFilter.omit({ app: true }).extend(PageQuery.shape),
    responses: {
      200: { description: "a page of findings", schema: S.FindingPage },
      400: invalid,
      403: denied,
      404: missing,
    },
    handler: async ({ deps, principal, params, query }) => {
      const { cursor, limit, ...filter } = query;
      return {
        status: 200,
        body: await findingsReply(deps, principal, { ...filter, app: params.appId }, { cursor, limit }),
      };
    },
  }),
  route({
    method: "GET",
    path: "/v1/apps/{appId}/sbom",
    summary: "The app's SBOM: CycloneDX 1.6 of what its tracked scans showed, with VEX from triage",
    tag: "inventory",
    params: AppParams,
    responses: {
      200: { description: "CycloneDX 1.6 JSON", schema: S.CycloneDxBom },
      400: invalid,
      403: denied,
      404: missing,
    },
    handler: async ({ deps, principal, params }) => ({
      status: 200,
      body: await appSbom(deps, principal, params.appId),
      headers: { "content-disposition": `attachment; filename="${params.appId}.cdx.json"` },
    }),
  }),
  route({
    method: "GET",
    path: "/v1/packages/{package}",
    summary: "Which apps use a package, which versions: by name (log4j-core) or purl (URL-encoded)",
    tag: "inventory",
    params: z.strictObject({ package: z.string().min(1).max(1000) }),
    responses: {
      200: { description: "uses across the apps this token reads", schema: S.PackageAnswer },
      400: invalid,
    },
    handler: async ({ deps, principal, params }) => ({
      status: 200,
      body: await packageUses(deps, principal, params.package),
    }),
  }),
  route({
    method: "GET",
    path: "/v1/teams/{team}/findings",
    summary: "Open findings of a team, riskiest first",
    tag: "findings",
    params: z.strictObject({ team: z.string().min(1).max(100) }),
    query: PageQuery,
    responses: {
      200: { description: "a page of findings", schema: S.FindingPage },
      400: invalid,
      403: denied,
    },
    handler: async ({ deps, principal, params, query }) => ({
      status: 200,
      body: await findingsReply(deps, principal, { team: params.team, status: ["open"] }, query),
    }),
  }),
  route({
    method: "GET",
    path: "/v1/cves/{cve}/findings",
    summary: "Are we affected by this CVE? Findings across the apps this token reads",
    tag: "findings",
    params: z.strictObject({
      cve: z
        .string()
        .transform((s) => s.toUpperCase())
        .pipe(z.string().regex(CVE_PATTERN, "a CVE id like CVE-2021-44228")),
    }),
    query: PageQuery,
    responses: { 200: { description: "findings of the CVE", schema: S.CvePage }, 400: invalid },
    handler: async ({ deps, principal, params, query }) => {
      const page = await findingsReply(deps, principal, { cve: params.cve }, query);
      return { status: 200, body: { cve: params.cve, affected: page.findings.length > 0, ...page } };
    },
  }),
  route({
    method: "GET",
    path: "/v1/findings",
    summary:
      "Query findings: app, team, status, severity, priority, category, tool, cve, kev, dueBefore, text",
    tag: "findings",
    query: FindingFilter.extend(PageQuery.shape),
    responses: {
      200: { description: "a page of findings", schema: S.FindingPage },
      400: invalid,
      403: denied,
    },
    handler: async ({ deps, principal, query }) => {
      const { cursor, limit, ...filter } = query;
      return { status: 200, body: await findingsReply(deps, principal, filter, { cursor, limit }) };
    },
  }),
  route({
    method: "GET",
    path: "/v1/findings/{ref}",
    summary: "One finding with its sources, score factors and history",
    tag: "findings",
    params: RefParams,
    responses: {
      200: { description: "the finding", schema: S.FindingDetail },
      400: invalid,
      403: denied,
      404: missing,
    },
    handler: async ({ deps, principal, params }) => ({
      status: 200,
      body: await getFinding(deps, principal, params.ref),
    }),
  }),
  ...(["PATCH", "POST"] as const).map((method) =>
    route({
      method,
      path: method === "PATCH" ? "/v1/findings/{ref}" : "/v1/findings/{ref}/triage",
      summary: "Triage a finding: false positive, mitigated, reopen, owner override (audited)",
      tag: "findings",
      params: RefParams,
      body: TriageRequest,
      responses: {
        200: { description: "the finding after triage", schema: S.FindingDetail },
        400: invalid,
        403: denied,
        404: missing,
        409: { description: "the finding kept changing", schema: S.ErrorBody },
      },
      handler: async ({ deps, principal, params, body }) => ({
        status: 200,
        body: await triageFinding(deps, principal, params.ref, body),
      }),
    }),
  ),
  route({
    method: "POST",
    path: "/v1/exceptions",
    summary: "Request a risk exception (a finding, a rule in an app, or a CVE everywhere)",
    tag: "exceptions",
    body: ExceptionRequestBody,
    responses: {
      201: { description: "requested", schema: S.ApiException },
      400: invalid,
      403: denied,
      404: missing,
    },
    handler: async ({ deps, principal, body }) => ({
      status: 201,
      body: await requestException(deps, principal, body),
    }),
  }),
  route({
    method: "GET",
    path: "/v1/exceptions",
    summary: "Exceptions this token may read, by state",
    tag: "exceptions",
    query: ExceptionStatesQuery,
    responses: { 200: { description: "exceptions", schema: S.ExceptionList }, 400: invalid },
    handler: async ({ deps, principal, query }) => ({
      status: 200,
      body: { exceptions: await listVisibleExceptions(deps, principal, query.state) },
    }),
  }),
  route({
    method: "GET",
    path: "/v1/exceptions/{id}",
    summary: "One exception with its history",
    tag: "exceptions",
    params: IdParams,
    responses: { 200: { description: "the exception", schema: S.ApiException }, 403: denied, 404: missing },
    handler: async ({ deps, principal, params }) => ({
      status: 200,
      body: await getVisibleException(deps, principal, params.id),
    }),
  }),
  ...(["approve", "reject"] as const).map((action) =>
    route({
      method: "POST",
      path: `/v1/exceptions/{id}/${action}`,
      summary:
        action === "approve"
          ? "Approve an exception (someone other than its requester); it activates at once unless it starts later"
          : "Reject an exception",
      tag: "exceptions",
      params: IdParams,
      body: DecisionBody,
      responses: {
        200: { description: "decided", schema: action === "approve" ? S.ExceptionDecision : S.ApiException },
        400: invalid,
        403: denied,
        404: missing,
        409: { description: "decided concurrently", schema: S.ErrorBody },
      },
      handler: async ({ deps, principal, params, body }) => ({
        status: 200,
        body:
          action === "approve"
            ? await approveException(deps, principal, params.id, body.note)
            : await rejectException(deps, principal, params.id, body.note),
      }),
    }),
  ),
  route({
    method: "POST",
    path: "/v1/tokens",
    summary: "Create a token (admin); the secret is in this response only",
    tag: "tokens",
    body: CreateTokenRequest,
    responses: { 201: { description: "created", schema: S.TokenCreated }, 400: invalid, 403: denied },
    handler: async ({ deps, principal, body }) => {
      requireAdmin(principal);
      return { status: 201, body: await createToken(deps, principal, body) };
    },
  }),
  route({
    method: "GET",
    path: "/v1/tokens",
    summary: "Every token (admin): ids, subjects, scopes, expiry, revocation; never secrets",
    tag: "tokens",
    responses: { 200: { description: "tokens", schema: S.TokenList }, 403: denied },
    handler: async ({ deps, principal }) => {
      requireAdmin(principal);
      return { status: 200, body: { tokens: await listAllTokens(deps) } };
    },
  }),
  route({
    method: "DELETE",
    path: "/v1/tokens/{id}",
    summary: "Revoke a token (admin); effective from the next request",
    tag: "tokens",
    params: z.strictObject({ id: z.string().regex(/^[0-9a-f]{12}$/, "a token id") }),
    responses: {
      200: { description: "revoked", schema: S.TokenRevoked },
      400: invalid,
      403: denied,
      404: missing,
    },
    handler: async ({ deps, principal, params }) => {
      requireAdmin(principal);
      if (!(await revoke(deps, principal, params.id))) throw notFound(`no token ${params.id}`);
      return { status: 200, body: { id: params.id, revoked: true } };
    },
  }),
  route({
    method: "PUT",
    path: "/v1/catalog",
    summary:
      "Push a catalog (admin): apps, systems, components, groups and routing; replaces the source's last push",
    tag: "catalog",
    body: PushCatalogRequest,
    responses: {
      200: { description: "what the catalog said", schema: S.CatalogPushed },
      400: invalid,
      403: denied,
    },
    handler: async ({ deps, principal, body }) => {
      requireAdmin(principal);
      const result = await pushCatalog(deps, body).catch((error: unknown) => {
        throw isCatalogInputError(error) ? new HttpError(400, error.message) : error;
      });
      return { status: 200, body: result };
    },
  }),
  route({
    method: "POST",
    path: "/v1/integrations/jira/webhook",
    summary: "Jira's webhook: people's changes to our tickets (signed with X-Hub-Signature, no token)",
    tag: "integrations",
    // Jira calls this without a bearer token: the HMAC signature of the body is its proof, checked
    // before the body is read
    public: true,
    responses: {
      200: { description: "applied, ignored or a duplicate delivery", schema: S.WebhookReply },
      400: invalid,
      401: { description: "no valid signature", schema: S.ErrorBody },
      404: { description: "Jira is not configured", schema: S.ErrorBody },
    },
    handler: async ({ deps, request }) => {
      const webhook = deps.jiraWebhook;
      if (!webhook) throw new HttpError(404, "the Jira webhook is not configured");
      const signature = request.headers.get("x-hub-signature") ?? undefined;
      if (!verifyHubSignature(request.rawBody, signature, await webhook.secret())) {
        webhook.rejected?.("invalid webhook signature");
        throw new HttpError(401, "invalid webhook signature");
      }
      const delivery = request.headers.get("x-atlassian-webhook-identifier");
      if (!delivery) throw new HttpError(400, "missing X-Atlassian-Webhook-Identifier");
      const event = validated("body", JiraWebhookEvent, parseJsonBody(request.rawBody.toString("utf8")));
      return { status: 200, body: await handleJiraWebhook({ ...webhook, db: deps.db }, delivery, event) };
    },
  }),
];

/** States accepted by `GET /v1/exceptions?state=` (exported for the CLI's usage line). */
export const EXCEPTION_STATE_NAMES = ExceptionState.options;
