import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/** What every access pattern needs: the client and the table's name. */
export interface TableRef {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/** Strips key attributes so an item parses as its entity. */
export function withoutKeys(item: Record<string, unknown>): Record<string, unknown> {
  const {
    pk: _pk,
    sk: _sk,
    gsi1pk: _g1,
    gsi1sk: _g1s,
    gsi2pk: _g2,
    gsi2sk: _g2s,
    entity: _e,
    expiresAt: _x,
    ...rest
  } = item;
  return rest;
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === "ConditionalCheckFailedException";
}

/**
 * Runs a conditional write and reports whether its condition held: the guard of every idempotent
 * transition (a retried or duplicate write finds the condition false and changes nothing).
 */
export async function conditionally(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}
