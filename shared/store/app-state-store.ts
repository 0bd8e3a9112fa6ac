import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { AppState, emptyAppState } from "#shared/domain/app-state";
import { type BucketRef, getJsonGz, putJsonGz } from "./blob-store.ts";
import { keys, objectKeys } from "./table.ts";
import type { TableRef } from "./table-ref.ts";

/**
 * An app's correlation state lives in S3 (it can be hundreds of KB); the table's STATE item is the
 * commit point: which state object is current, and which scan is mid-write (`pending`). Writing
 * the next state object first and flipping the pointer last makes a crash at any step safe: a
 * retry sees the same committed state and the pending marker, and replays the same plan. A pending
 * scan that never comes back is finished by the app's next scan before it builds on anything
 * (shared/usecases/correlate-scan.ts).
 *
 * State objects rotate through STATE_SLOTS keys per app: the committed state, the one before it
 * (a committed scan's retry re-plans from it) and the pending one are always three different
 * slots, and superseded versions expire with the bucket's noncurrent-version rule.
 */
export const STATE_SLOTS = 3;

const Pointer = z.object({
  version: z.number().int().nonnegative(),
  stateKey: z.string().optional(),
  /** The state before the last commit, and the scan that committed: lets that scan's retry replay its plan. */
  previousStateKey: z.string().optional(),
  committedScanId: z.string().optional(),
  pending: z.object({ scanId: z.string(), stateKey: z.string(), at: z.string() }).optional(),
});
export type StatePointer = z.infer<typeof Pointer>;

export interface BaseState {
  pointer: StatePointer;
  /** The state this scan's plan must be computed from. */
  base: AppState;
  /** An earlier attempt of this scan may have written part of its plan: creates must be conditional. */
  uncertain: boolean;
  /** This scan's state is already committed; only its writes and status remain to be (re)done. */
  alreadyCommitted: boolean;
}

export class StateConflictError extends Error {
  override readonly name = "StateConflictError";
}

async function readState(bucket: BucketRef, appId: string, key: string | undefined): Promise<AppState> {
  return key ? AppState.parse(await getJsonGz(bucket, key)) : emptyAppState(appId);
}

/** The app's commit point (strongly consistent). */
export async function readPointer(db: TableRef, appId: string): Promise<StatePointer> {
  const out = await db.client.send(
    new GetCommand({ TableName: db.tableName, Key: keys.appState(appId), ConsistentRead: true }),
  );
  return out.Item
    ? Pointer.parse({
        version: out.Item.version ?? 0,
        stateKey: out.Item.stateKey,
        previousStateKey: out.Item.previousStateKey,
        committedScanId: out.Item.committedScanId,
        pending: out.Item.pending,
      })
    : { version: 0 };
}

/** Loads the state a scan must diff against (after any other scan's pending commit was finished). */
export async function loadBaseState(
  db: TableRef,
  bucket: BucketRef,
  appId: string,
  scanId: string,
): Promise<BaseState> {
  const pointer = await readPointer(db, appId);
  if (pointer.committedScanId === scanId) {
    return {
      pointer,
      base: await readState(bucket, appId, pointer.previousStateKey),
      uncertain: true,
      alreadyCommitted: true,
    };
  }
  if (pointer.pending && pointer.pending.scanId !== scanId) {
    // building on a half-written plan would strand its missing writes in S3 for good
    throw new StateConflictError(
      `app ${appId}: scan ${pointer.pending.scanId} is mid-commit; it must be finished before ${scanId}`,
    );
  }
  return {
    pointer,
    base: await readState(bucket, appId, pointer.stateKey),
    uncertain: pointer.pending?.scanId === scanId,
    alreadyCommitted: false,
  };
}

/**
 * Writes the next state object and marks it pending under optimistic locking on the pointer. A
 * retry of the same scan rewrites the same slot with the same plan.
 */
export async function beginStateCommit(
  db: TableRef,
  bucket: BucketRef,
  appId: string,
  pointer: StatePointer,
  scanId: string,
  next: AppState,
  at: string,
): Promise<string> {
  const stateKey = objectKeys.appState(appId, (pointer.version + 1) % STATE_SLOTS);
  await putJsonGz(bucket, stateKey, next);
  await updatePointer(db, appId, pointer.version, "SET pending = :pending", {
    ":pending": { scanId, stateKey, at },
  });
  return stateKey;
}

/** Flips the pointer to the new state: the one write that commits a scan's correlation. */
export async function finishStateCommit(
  db: TableRef,
  appId: string,
  pointer: StatePointer,
  scanId: string,
  stateKey: string,
): Promise<void> {
  const previous = pointer.stateKey ? { ":previous": pointer.stateKey } : {};
  await updatePointer(
    db,
    appId,
    pointer.version,
    `SET stateKey = :key, version = :next, committedScanId = :scan${pointer.stateKey ? ", previousStateKey = :previous" : ""} REMOVE pending`,
    { ":key": stateKey, ":next": pointer.version + 1, ":scan": scanId, ...previous },
  );
}

/**
 * Drops a pending commit that can never be finished (its scan or normalized report is gone): the
 * committed state stays current. Its partial writes, if any, are rewritten by whichever later scan
 * observes those findings again.
 */
export async function abandonPendingCommit(
  db: TableRef,
  appId: string,
  pointer: StatePointer,
): Promise<void> {
  await updatePointer(db, appId, pointer.version, "REMOVE pending", {});
}

async function updatePointer(
  db: TableRef,
  appId: string,
  expected: number,
  expression: string,
  values: Record<string, unknown>,
) {
  try {
    await db.client.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: keys.appState(appId),
        UpdateExpression: expression,
        ConditionExpression:
          expected === 0 ? "attribute_not_exists(version) OR version = :expected" : "version = :expected",
        ExpressionAttributeValues: { ...values, ":expected": expected },
      }),
    );
  } catch (error) {
    if (error instanceof Error && error.name === "ConditionalCheckFailedException") {
      throw new StateConflictError(
        `app ${appId}: correlation state moved underneath this writer (expected version ${expected})`,
      );
    }
    throw error;
  }
}
