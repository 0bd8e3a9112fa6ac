import { z } from "zod";
import type { ResponseSpec, Route } from "./route.ts";

/**
 * The OpenAPI 3.1 document, generated from the route table's zod schemas (zod 4's JSON Schema
 * export, draft 2020-12, which OpenAPI 3.1 uses as is). Requests are described as the API accepts
 * them (input), responses as it sends them (output).
 */

type Json = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: "input" | "output"): Json {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
  }) as Json;
  return rest;
}

function parametersOf(route: Route): Json[] {
  const out: Json[] = [];
  for (const [where, schema] of [
    ["path", route.params],
    ["query", route.query],
  ] as const) {
    if (!schema) continue;
    const json = schemaOf(schema, "input");
    const properties = (json.properties ?? {}) as Record<string, Json>;
    const required = new Set((json.required ?? []) as string[]);
    for (const [name, property] of Object.entries(properties)) {
      out.push({
        name,
        in: where,
        required: where === "path" || required.has(name),
        schema: property,
        ...(typeof property.description === "string" ? { description: property.description } : {}),
      });
    }
  }
  return out;
}

const UNAUTHORIZED: ResponseSpec = { description: "missing, unknown, expired or revoked token" };

let cached: Json | undefined;

export function openApiDocument(routes: readonly Route[]): Json {
  if (cached) return cached;
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const operation: Json = {
      operationId: `${r.method.toLowerCase()}${r.path.replace(/[{}]/g, "").replace(/[^A-Za-z0-9]+(.)?/g, (_, c?: string) => (c ?? "").toUpperCase())}`,
      summary: r.summary,
      tags: [r.tag],
      ...(r.public ? { security: [] } : {}),
      parameters: parametersOf(r),
      ...(r.body
        ? {
            requestBody: {
              required: true,
              content: { "application/json": { schema: schemaOf(r.body, "input") } },
            },
          }
        : {}),
      responses: Object.fromEntries(
        Object.entries(r.public ? r.responses : { ...r.responses, 401: UNAUTHORIZED }).map(
          ([status, spec]) => [
            status,
            {
              description: spec.description,
              content: {
                "application/json": {
                  schema: spec.schema
                    ? schemaOf(spec.schema, "output")
                    : { $ref: "#/components/schemas/Error" },
                },
              },
            },
          ],
        ),
      ),
    };
    paths[r.path] = { ...(paths[r.path] ?? {}), [r.method.toLowerCase()]: operation };
  }
  cached = {
    openapi: "3.1.0",
    info: {
      title: "aspm API",
      version: "1",
      description:
        "Application security posture management: uploads, findings, triage, exceptions, inventory and tokens. Every route but this document needs `Authorization: Bearer <token>`.",
    },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: { Error: { type: "object", properties: { error: { type: "string" } }, required: ["error"] } },
    },
    paths,
  };
  return cached;
}
