import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { EXCEPTION_STATES, Exception, type ExceptionState } from "#shared/domain/exception";
import { queryAll } from "./query.ts";
import { keys } from "./table.ts";
import { isConditionalCheckFailed, type TableRef } from "./table-ref.ts";

/** An exception as stored: the domain record, plus the app of a finding-scoped one (keys need it). */
export const StoredException = z.object({ exception: Exception, appId: z.string().optional() });
export type StoredException = z.infer<typeof StoredException>;

export class ExceptionConflictError extends Error {
  override readonly name = "ExceptionConflictError";
}

/**
 * Saves an exception; `expectedState` guards against two people deciding at once (the second
 * write fails instead of silently overwriting the first decision).
 */
export async function putException(
  db: TableRef,
  stored: StoredException,
  expectedState?: ExceptionState,
): Promise<void> {
  const e = stored.exception;
  try {
    await db.client.send(
      new PutCommand({
        TableName: db.tableName,
        Item: {
          ...keys.exception(e.id),
          ...keys.exceptionsByExpiryIndex(e.state, e.expiresAt, e.id),
          entity: "exception",
          state: e.state,
          ...stored,
        },
        ...(expectedState
          ? {
              ConditionExpression: "#state = :expected",
              ExpressionAttributeNames: { "#state": "state" },
              ExpressionAttributeValues: { ":expected": expectedState },
            }
          : { ConditionExpression: "attribute_not_exists(pk)" }),
      }),
    );
  } catch (error) {
    if (isConditionalCheckFailed(error))
      throw new ExceptionConflictError(`exception ${e.id} changed concurrently (or already exists)`);
    throw error;
  }
}

export async function getException(db: TableRef, id: string): Promise<StoredException | undefined> {
  const out = await db.client.send(
    new GetCommand({ TableName: db.tableName, Key: keys.exception(id), ConsistentRead: true }),
  );
  return out.Item ? StoredException.parse(out.Item) : undefined;
}

/** Pattern "exceptions by expiry": gsi1 partition per state, soonest expiry first. */
export async function listExceptions(
  db: TableRef,
  states: readonly ExceptionState[] = EXCEPTION_STATES,
): Promise<StoredException[]> {
  const out: StoredException[] = [];
  for (const state of states) {
    for await (const item of queryAll(db, {
      index: "gsi1",
      pk: keys.exceptionsByExpiryIndex(state, "", "").gsi1pk,
    }))
      out.push(StoredException.parse(item));
  }
  return out;
}
