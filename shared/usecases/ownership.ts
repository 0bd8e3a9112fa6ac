import type { App } from "#shared/domain/app";
import { mergeBindings, repoSlug } from "#shared/domain/catalog";
import { CODEOWNERS_MAX_BYTES, type CodeOwners, parseCodeOwners } from "#shared/domain/codeowners";
import { type Ownership, ownershipResolver } from "#shared/domain/ownership";
import type { Scan } from "#shared/domain/scan";
import type { ProviderView, TrackedFinding } from "#shared/domain/tracked-finding";
import { setAppCodeowners } from "#shared/store/app-store";
import { putAuditEvent } from "#shared/store/audit-store";
import { type BucketRef, getObjectBytes } from "#shared/store/blob-store";
import { getBindings } from "#shared/store/catalog-store";
import { getFindings, setOwnerOverride } from "#shared/store/finding-store";
import { recordPostureChanges } from "#shared/store/posture-aggregate-store";
import type { TableRef } from "#shared/store/table-ref";

async function loadCodeOwners(bucket: BucketRef, key: string): Promise<CodeOwners | undefined> {
  try {
    const { bytes } = await getObjectBytes(bucket, key, CODEOWNERS_MAX_BYTES);
    return parseCodeOwners(Buffer.from(bytes).toString("utf8"));
  } catch (error) {
    // an expired or missing file leaves ownership to the catalog; anything else is an outage
    if (error instanceof Error && (error.name === "NoSuchKey" || error.name === "NotFound")) return undefined;
    throw error;
  }
}

/**
 * The owner of each finding of one scan (see shared/domain/ownership.ts): the scan's CODEOWNERS
 * (or the app's latest one), the catalog bindings of the app id and its repos, and the app team.
 * Costs one S3 read and one BatchGet per scan. A tracked scan's CODEOWNERS becomes the app's.
 */
export async function ownershipFor(
  deps: { db: TableRef; bucket: BucketRef },
  scan: Scan,
  app: App | undefined,
): Promise<(view: ProviderView) => Ownership> {
  if (scan.codeownersKey && scan.tracked)
    await setAppCodeowners(deps.db, scan.appId, scan.codeownersKey, scan.createdAt);
  const key = scan.codeownersKey ?? app?.codeownersKey;
  const repos = [scan.repo, ...(app?.repos ?? [])]
    .map((r) => (r ? repoSlug(r) : undefined))
    .filter((r): r is string => !!r);
  const [codeowners, { bindings, aliases }] = await Promise.all([
    key ? loadCodeOwners(deps.bucket, key) : undefined,
    getBindings(deps.db, scan.appId, repos),
  ]);
  const resolve = ownershipResolver({
    ...(codeowners ? { codeowners } : {}),
    binding: mergeBindings(bindings),
    aliases,
    ...(app?.team ? { appTeam: app.team } : {}),
  });
  return (view) => resolve({ ...(view.location.file ? { file: view.location.file } : {}) });
}

/**
 * A person reassigns a finding (the API, or a Jira reassignment coming back): the override wins
 * over CODEOWNERS and the catalog from now on, with an audit event saying who and why.
 */
export async function overrideOwner(
  deps: { db: TableRef; now?: () => Date },
  request: { appId: string; findingId: string; owner: string; actor: string; reason?: string },
): Promise<TrackedFinding | undefined> {
  const [finding] = await getFindings(deps.db, request.appId, [request.findingId]);
  if (!finding) return undefined;
  const at = (deps.now ?? (() => new Date()))().toISOString();
  const tag = `owner-${request.findingId}-${at}`;
  await recordPostureChanges(deps.db, request.appId, [request.findingId], `${tag}-pre`);
  await setOwnerOverride(deps.db, finding, request.owner);
  await putAuditEvent(deps.db, {
    appId: request.appId,
    findingId: request.findingId,
    event: {
      at,
      actor: request.actor,
      action: "owner-changed",
      from: finding.team,
      to: request.owner,
      ...(request.reason ? { reason: request.reason } : {}),
    },
  });
  await recordPostureChanges(deps.db, request.appId, [request.findingId], tag);
  return { ...finding, team: request.owner, ownerSource: "triage" };
}
