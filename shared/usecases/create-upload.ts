import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { z } from "zod";
import { AppId } from "#shared/domain/app";
import { CODEOWNERS_MAX_BYTES, parseCodeOwners } from "#shared/domain/codeowners";
import { newSortableId } from "#shared/domain/ids";
import type { Scan } from "#shared/domain/scan";
import { formatById } from "#shared/parsers/registry";
import { ensureApp } from "#shared/store/app-store";
import { type BucketRef, putText } from "#shared/store/blob-store";
import { putNewScan } from "#shared/store/scan-store";
import { objectKeys } from "#shared/store/table";
import type { TableRef } from "#shared/store/table-ref";

export const CreateUploadRequest = z.object({
  app: AppId,
  tool: z.string().max(100).optional(),
  format: z
    .string()
    .max(50)
    .refine((id) => formatById(id) !== undefined, { message: "unknown format id (see `aspm formats`)" })
    .optional(),
  repo: z.string().max(500).optional(),
  branch: z.string().max(250).optional(),
  commit: z.string().max(100).optional(),
  commitTime: z.iso.datetime({ offset: true }).optional(),
  target: z.string().max(500).optional(),
  /** The repo's CODEOWNERS file, so findings get their path owner (GitHub's 3 MB limit applies). */
  codeowners: z
    .string()
    .min(1)
    .refine((text) => Buffer.byteLength(text) <= CODEOWNERS_MAX_BYTES, {
      message: "CODEOWNERS is over GitHub's 3 MB limit",
    })
    .optional(),
});
export type CreateUploadRequest = z.infer<typeof CreateUploadRequest>;

export interface CreateUploadDeps {
  db: TableRef;
  bucket: BucketRef;
  maxUploadBytes: number;
  trackedBranches: ReadonlySet<string>;
  now?: () => Date;
}

export interface CreateUploadResult {
  scanId: string;
  status: "pending";
  upload: { url: string; fields: Record<string, string>; maxBytes: number; expiresInSeconds: number };
  /** What was understood of the CODEOWNERS file: rule count and the lines GitHub would reject. */
  codeowners?: { rules: number; errors: Array<{ line: number; reason: string }> };
}

/** Presigned POSTs live briefly: long enough for a slow CI runner, short enough to be useless if leaked. */
const EXPIRES_IN_SECONDS = 900;

/**
 * Step 1 of an upload: a pending Scan plus a presigned POST whose key is fixed by us and whose size
 * is capped by the policy, so the client can only put one object of bounded size in one place.
 */
export async function createUpload(
  deps: CreateUploadDeps,
  request: CreateUploadRequest,
): Promise<CreateUploadResult> {
  const now = (deps.now ?? (() => new Date()))().toISOString();
  const scanId = newSortableId();
  const branch = request.branch ?? "main";
  const codeowners = request.codeowners ? parseCodeOwners(request.codeowners) : undefined;
  const codeownersKey = codeowners ? objectKeys.codeowners(request.app, scanId) : undefined;
  const scan: Scan = {
    scanId,
    appId: request.app,
    status: "pending",
    ...(request.tool ? { toolHint: request.tool } : {}),
    ...(request.format ? { formatHint: request.format } : {}),
    ...(request.repo ? { repo: request.repo } : {}),
    branch,
    ...(request.commit ? { commit: request.commit } : {}),
    ...(request.commitTime ? { commitTime: new Date(request.commitTime).toISOString() } : {}),
    ...(request.target ? { target: request.target } : {}),
    tracked: deps.trackedBranches.has(branch),
    ...(codeownersKey ? { codeownersKey } : {}),
    createdAt: now,
    updatedAt: now,
  };
  await ensureApp(deps.db, request.app, now, request.repo);
  // stored before the scan exists, so correlate never sees a scan whose CODEOWNERS is missing
  if (codeownersKey && request.codeowners) await putText(deps.bucket, codeownersKey, request.codeowners);
  await putNewScan(deps.db, scan);
  const key = objectKeys.raw(request.app, scanId);
  const post = await createPresignedPost(deps.bucket.client, {
    Bucket: deps.bucket.bucketName,
    Key: key,
    // 0 bytes allowed: a JSON Lines scanner (Nuclei, TruffleHog) writes an empty file when it finds
    // nothing, and that clean run must reach normalize, which refuses it for other formats
    Conditions: [["content-length-range", 0, deps.maxUploadBytes]],
    Expires: EXPIRES_IN_SECONDS,
  });
  return {
    scanId,
    status: "pending",
    upload: {
      url: post.url,
      fields: post.fields,
      maxBytes: deps.maxUploadBytes,
      expiresInSeconds: EXPIRES_IN_SECONDS,
    },
    ...(codeowners
      ? { codeowners: { rules: codeowners.rules.length, errors: codeowners.errors.slice(0, 50) } }
      : {}),
  };
}
