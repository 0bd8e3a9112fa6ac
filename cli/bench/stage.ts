import type { NormalizedFinding, NormalizedReport } from "#shared/domain/finding";
import { newSortableId } from "#shared/domain/ids";
import { type Scan, scopeIdOf } from "#shared/domain/scan";
import { ensureApp } from "#shared/store/app-store";
import { type BucketRef, putJsonGz, putText } from "#shared/store/blob-store";
import { putNewScan, transitionScan } from "#shared/store/scan-store";
import { objectKeys } from "#shared/store/table";
import type { TableRef } from "#shared/store/table-ref";

export interface StageOptions {
  appId: string;
  tool?: string;
  branch?: string;
  tracked?: boolean;
  commitTime?: string;
  target?: string;
  createdAt?: string;
  /** A fixed scan id (runs that must match item for item); a fresh sortable id otherwise. */
  scanId?: string;
  /** The report's format id; `sarif` by default. */
  format?: string;
  /** A scope id other than today's for this scan (a test staging state written under legacy ids). */
  scopeId?: string;
  /** A CODEOWNERS file uploaded with the scan, as `aspm upload --codeowners` sends it. */
  codeowners?: string;
}

/**
 * Puts a scan in the state normalize leaves it in (scan item `normalized`, normalized report in S3),
 * without a raw upload, so the running pipeline does not pick it up and a test can drive correlate
 * itself (with a metered client, or an injected crash). Shared by the benchmark and the tests.
 */
export async function stageNormalizedScan(
  db: TableRef,
  bucket: BucketRef,
  findings: NormalizedFinding[],
  options: StageOptions,
): Promise<string> {
  const now = options.createdAt ?? new Date().toISOString();
  const scanId = options.scanId ?? newSortableId(Date.parse(now));
  const tool = { name: options.tool ?? findings[0]?.tool.name ?? "semgrep" };
  const branch = options.branch ?? "main";
  const tracked = options.tracked ?? branch === "main";
  const target = options.target ?? "repo";
  const format = options.format ?? "sarif";
  const codeownersKey =
    options.codeowners === undefined ? undefined : objectKeys.codeowners(options.appId, scanId);
  const scan: Scan = {
    scanId,
    appId: options.appId,
    status: "pending",
    branch,
    tracked,
    ...(options.commitTime ? { commitTime: options.commitTime } : {}),
    target,
    ...(codeownersKey ? { codeownersKey } : {}),
    createdAt: now,
    updatedAt: now,
  };
  await ensureApp(db, options.appId, now);
  if (codeownersKey && options.codeowners !== undefined)
    await putText(bucket, codeownersKey, options.codeowners);
  await putNewScan(db, scan);
  const report: NormalizedReport = { format, tool, count: findings.length, findings };
  await putJsonGz(bucket, objectKeys.normalized(options.appId, scanId), report);
  await transitionScan(db, scanId, ["pending"], {
    status: "normalized",
    format,
    tool,
    target,
    scopeId:
      options.scopeId ?? scopeIdOf({ appId: options.appId, toolName: tool.name, format, target, branch }),
    updatedAt: now,
  });
  return scanId;
}

/**
 * The bench's CODEOWNERS: the generated SARIF's 300 modules (`src/module-N/`) split among ten
 * teams by N's last digit, as a monorepo with a team per area has it.
 */
export const BENCH_CODEOWNERS = Array.from(
  { length: 10 },
  (_, d) => `/src/module-*${d}/ @acme/team-${d}`,
).join("\n");

/** The benchmark's shorthand: a tracked scan of `app` with the given findings, owned by ten teams. */
export function stageScanForBench(
  db: TableRef,
  bucket: BucketRef,
  findings: NormalizedFinding[],
  appId: string,
): Promise<string> {
  return stageNormalizedScan(db, bucket, findings, { appId, codeowners: BENCH_CODEOWNERS });
}
