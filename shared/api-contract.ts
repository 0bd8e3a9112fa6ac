import { z } from "zod";
import { App, AppId } from "#shared/domain/app";
import { Exception } from "#shared/domain/exception";
import { Scan } from "#shared/domain/scan";
import { TokenRecord } from "#shared/domain/token";
import { AuditEvent, TrackedFinding } from "#shared/domain/tracked-finding";

/**
 * Response bodies of the HTTP API, shared by the API (published in /v1/openapi.json, checked by
 * the contract tests) and its clients (the CLI parses what it gets with them).
 */

export const ErrorBody = z.object({
  error: z.string(),
  details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export const Cursor = z
  .string()
  .optional()
  .describe("pass back as ?cursor= for the next page; absent on the last");

export const ApiFinding = TrackedFinding.extend({
  ref: z.string().describe("APP:ID, the finding's reference in routes"),
});
export const FindingPage = z.object({ findings: z.array(ApiFinding), cursor: Cursor });
/** One finding with its audit trail: who changed what, when and why. */
export const FindingDetail = ApiFinding.extend({ history: z.array(AuditEvent) });
export const CvePage = FindingPage.extend({ cve: z.string(), affected: z.boolean() });

export const UploadCreated = z.object({
  scanId: z.string(),
  status: z.literal("pending"),
  statusUrl: z.string(),
  upload: z.object({
    url: z.string(),
    fields: z.record(z.string(), z.string()),
    maxBytes: z.number(),
    expiresInSeconds: z.number(),
  }),
  /** What was understood of a CODEOWNERS file sent along: rule count and the lines GitHub would reject. */
  codeowners: z
    .object({ rules: z.number(), errors: z.array(z.object({ line: z.number(), reason: z.string() })) })
    .optional(),
});

export const AppList = z.object({ apps: z.array(App) });
export const ScanPage = z.object({ scans: z.array(Scan), cursor: Cursor });

export const ApiException = z.intersection(Exception, z.object({ appId: z.string().optional() }));
export const ExceptionList = z.object({ exceptions: z.array(ApiException) });
export const ExceptionDecision = z.object({ exception: ApiException, findings: z.number().int() });

export const TokenCreated = z.object({
  token: z.string().describe("the secret: shown once, never stored"),
  record: TokenRecord,
});
export const TokenList = z.object({ tokens: z.array(TokenRecord) });
export const TokenRevoked = z.object({ id: z.string(), revoked: z.literal(true) });
export const Me = z.object({ subject: z.string(), tokenId: z.string(), scope: TokenRecord.shape.scope });

export const PackageUse = z.object({
  appId: AppId,
  purl: z.string().optional(),
  ecosystem: z.string().optional(),
  name: z.string(),
  version: z.string().optional(),
  lastSeenAt: z.string(),
  sources: z.array(z.string()),
});
export const PackageAnswer = z.object({
  query: z.string(),
  apps: z.array(z.object({ appId: AppId, versions: z.array(z.string()) })),
  uses: z.array(PackageUse),
});

/** CycloneDX 1.6 JSON, the parts we emit (the full schema is CycloneDX's own). */
export const CycloneDxBom = z
  .object({
    bomFormat: z.literal("CycloneDX"),
    specVersion: z.literal("1.6"),
    serialNumber: z.string(),
    version: z.number().int(),
    metadata: z.record(z.string(), z.unknown()),
    components: z.array(z.record(z.string(), z.unknown())),
    vulnerabilities: z.array(z.record(z.string(), z.unknown())),
  })
  .loose();

/** What a catalog push understood (shared/usecases/catalog.ts PushCatalogResult). */
export const CatalogPushed = z.object({
  source: z.string(),
  format: z.enum(["aspm", "backstage"]),
  components: z.number(),
  systems: z.number(),
  groups: z.number(),
  apps: z.number(),
  classified: z.number(),
  routing: z.boolean(),
  bindings: z.number(),
  warnings: z.array(z.string()),
});

/** What the Jira webhook route answers (shared/usecases/jira-webhook.ts WebhookResult). */
export const WebhookReply = z.object({
  outcome: z.enum(["applied", "ignored", "duplicate"]),
  actions: z.array(z.unknown()),
  reason: z.string().optional(),
  exceptionId: z.string().optional(),
});

export const OpenApiDocument = z.record(z.string(), z.unknown());
