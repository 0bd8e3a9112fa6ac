import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { expect } from "vitest";
import { openApiDocument } from "#functions/api/openapi";
import { ROUTES } from "#functions/api/routes";

/**
 * A client for the API under test that checks every response against /v1/openapi.json: the status
 * must be documented for the route, and the body must validate against its schema. It also records
 * which routes the tests reached, so a suite can assert that it covered every route.
 */

type Json = Record<string, unknown>;

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
}

export class ContractClient {
  readonly reached = new Set<string>();
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly doc: Json;

  constructor(
    private readonly baseUrl: string,
    served: Json,
  ) {
    addFormats.default(this.ajv);
    this.doc = served;
    // what the API serves is what the route table generates
    expect(served).toEqual(openApiDocument(ROUTES));
  }

  static async connect(baseUrl: string): Promise<ContractClient> {
    const response = await fetch(`${baseUrl}/v1/openapi.json`);
    expect(response.status).toBe(200);
    const client = new ContractClient(baseUrl, (await response.json()) as Json);
    client.reached.add("GET /v1/openapi.json");
    return client;
  }

  /** The route template a concrete path matches, e.g. /v1/findings/{ref}. */
  template(method: string, path: string): string | undefined {
    const paths = this.doc.paths as Record<string, Record<string, unknown>>;
    const pathname = path.split("?")[0] ?? path;
    const candidates = Object.keys(paths).filter((t) => paths[t]?.[method.toLowerCase()]);
    const matching = candidates.filter((t) =>
      new RegExp(`^${t.replace(/\{\w+\}/g, "[^/]+")}$`).test(pathname),
    );
    // the most literal template wins (/v1/findings/x/triage over /v1/findings/{ref})
    return matching.sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0))[0];
  }

  private validator(template: string, method: string, status: number): ValidateFunction {
    const key = `${method} ${template} ${status}`;
    const cached = this.validators.get(key);
    if (cached) return cached;
    const paths = this.doc.paths as Record<string, Record<string, Json>>;
    const responses = paths[template]?.[method.toLowerCase()]?.responses as Record<string, Json> | undefined;
    const response = responses?.[String(status)];
    expect(response, `${key} is not documented in /v1/openapi.json`).toBeDefined();
    const content = (response?.content as Record<string, { schema: Json }> | undefined)?.["application/json"];
    let schema = content?.schema ?? {};
    const ref = typeof schema.$ref === "string" ? schema.$ref : undefined;
    if (ref?.startsWith("#/components/schemas/")) {
      const components = (this.doc.components as { schemas: Record<string, Json> }).schemas;
      schema = components[ref.slice("#/components/schemas/".length)] ?? {};
    }
    const validate = this.ajv.compile(schema);
    this.validators.set(key, validate);
    return validate;
  }

  async request<T = Json>(
    method: string,
    path: string,
    token: string | undefined,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    const template = this.template(method, path);
    if (template && response.status !== 404) this.reached.add(`${method} ${template}`);
    if (template) {
      const validate = this.validator(template, method, response.status);
      expect(
        validate(parsed),
        `${method} ${path} → ${response.status}: ${JSON.stringify(validate.errors)}`,
      ).toBe(true);
    } else {
      // not a route: the router's own 404/405 in the error shape
      expect([404, 405]).toContain(response.status);
    }
    return { status: response.status, body: parsed as T };
  }

  /** Routes of the table that no request of this client reached. */
  unreached(): string[] {
    return ROUTES.map((r) => `${r.method} ${r.path}`).filter((r) => !this.reached.has(r));
  }
}
