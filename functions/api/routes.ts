import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { AppId } from "#shared/domain/app";
import { getApp, listApps } from "#shared/store/app-store";
import type { BucketRef } from "#shared/store/blob-store";
import { listFindingsByCve, listFindingsOfApp, listOpenFindingsOfTeam } from "#shared/store/finding-store";
import { getScan, listScansOfApp } from "#shared/store/scan-store";
import type { TableRef } from "#shared/store/table-ref";
import { isCatalogInputError, PushCatalogRequest, pushCatalog } from "#shared/usecases/catalog";
import { CreateUploadRequest, createUpload } from "#shared/usecases/create-upload";
import { body, decodeCursor, encodeCursor, HttpError, json } from "./http.ts";

export interface ApiDeps {
  db: TableRef;
  bucket: BucketRef;
  apiTokenSha256: string;
  maxUploadBytes: number;
  trackedBranches: ReadonlySet<string>;
}

type Params = Record<string, string>;
type RouteHandler = (
  deps: ApiDeps,
  event: APIGatewayProxyEventV2,
  params: Params,
) => Promise<APIGatewayProxyStructuredResultV2>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: RouteHandler;
}

function route(method: string, path: string, handler: RouteHandler): Route {
  const names: string[] = [];
  const pattern = new RegExp(
    `^${path.replace(/\{(\w+)\}/g, (_, name: string) => {
      names.push(name);
      return "([^/]+)";
    })}$`,
  );
  return { method, pattern, names, handler };
}

function appIdParam(params: Params): string {
  const parsed = AppId.safeParse(params.appId);
  if (!parsed.success) throw new HttpError(400, "invalid app id");
  return parsed.data;
}

const ROUTES: Route[] = [
  route("POST", "/v1/uploads", async (deps, event) => {
    const request = body(event, CreateUploadRequest);
    const result = await createUpload(deps, request);
    return json(201, { ...result, statusUrl: `/v1/scans/${result.scanId}` });
  }),
  route("PUT", "/v1/catalog", async (deps, event) => {
    const request = body(event, PushCatalogRequest);
    const result = await pushCatalog(deps, request).catch((error: unknown) => {
      throw isCatalogInputError(error) ? new HttpError(400, error.message) : error;
    });
    return json(200, result);
  }),
  route("GET", "/v1/scans/{scanId}", async (deps, _event, params) => {
    const scan = await getScan(deps.db, params.scanId ?? "");
    if (!scan) throw new HttpError(404, "no such scan");
    return json(200, scan);
  }),
  route("GET", "/v1/apps", async (deps) => json(200, { apps: await listApps(deps.db) })),
  route("GET", "/v1/apps/{appId}", async (deps, _event, params) => {
    const app = await getApp(deps.db, appIdParam(params));
    if (!app) throw new HttpError(404, "no such app");
    return json(200, app);
  }),
  route("GET", "/v1/apps/{appId}/scans", async (deps, event, params) => {
    const page = await listScansOfApp(
      deps.db,
      appIdParam(params),
      20,
      decodeCursor(event.queryStringParameters?.cursor),
    );
    return json(200, { scans: page.scans, cursor: encodeCursor(page.cursor) });
  }),
  route("GET", "/v1/apps/{appId}/findings", async (deps, event, params) => {
    const page = await listFindingsOfApp(
      deps.db,
      appIdParam(params),
      100,
      decodeCursor(event.queryStringParameters?.cursor),
    );
    return json(200, { findings: page.findings, cursor: encodeCursor(page.cursor) });
  }),
  route("GET", "/v1/teams/{team}/findings", async (deps, event, params) => {
    const page = await listOpenFindingsOfTeam(
      deps.db,
      decodeURIComponent(params.team ?? ""),
      50,
      decodeCursor(event.queryStringParameters?.cursor),
    );
    return json(200, { findings: page.findings, cursor: encodeCursor(page.cursor) });
  }),
  route("GET", "/v1/cves/{cve}/findings", async (deps, event, params) => {
    const cve = (params.cve ?? "").toUpperCase();
    if (!/^CVE-\d{4}-\d{4,}$/.test(cve)) throw new HttpError(400, "invalid CVE id");
    const page = await listFindingsByCve(
      deps.db,
      cve,
      100,
      decodeCursor(event.queryStringParameters?.cursor),
    );
    return json(200, {
      cve,
      affected: page.findings.length > 0,
      findings: page.findings,
      cursor: encodeCursor(page.cursor),
    });
  }),
];

export async function dispatch(
  deps: ApiDeps,
  event: APIGatewayProxyEventV2,
): Promise<APIGatewayProxyStructuredResultV2> {
  const method = event.requestContext.http.method.toUpperCase();
  const path = event.rawPath.replace(/\/+$/, "") || "/";
  let pathMatched = false;
  for (const r of ROUTES) {
    const match = r.pattern.exec(path);
    if (!match) continue;
    pathMatched = true;
    if (r.method !== method) continue;
    const params: Params = {};
    r.names.forEach((name, i) => {
      params[name] = decodeURIComponent(match[i + 1] ?? "");
    });
    return r.handler(deps, event, params);
  }
  throw new HttpError(pathMatched ? 405 : 404, pathMatched ? "method not allowed" : "no such route");
}
