import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { TokenRecord } from "#shared/domain/token";
import { queryAll, queryPage } from "./query.ts";
import { keys } from "./table.ts";
import { conditionally, type TableRef } from "./table-ref.ts";

/**
 * Access patterns: token by the SHA-256 of its secret (every request), all tokens (gsi1 `TOKENS`,
 * by id), token by id (revoke). The secret itself is never stored.
 */

/** The record is nested: its `expiresAt` must not be read as the table's TTL attribute. */
const StoredToken = z.object({ token: TokenRecord, tokenSha256: z.string() });

function parseToken(item: Record<string, unknown>): TokenRecord {
  return StoredToken.parse(item).token;
}

export async function putToken(db: TableRef, tokenSha256: string, token: TokenRecord): Promise<void> {
  await db.client.send(
    new PutCommand({
      TableName: db.tableName,
      Item: {
        ...keys.token(tokenSha256),
        ...keys.tokensIndex(token.id),
        entity: "token",
        tokenSha256,
        token,
      },
      ConditionExpression: "attribute_not_exists(pk)",
    }),
  );
}

/** Strongly consistent, so a revocation holds from the next request on. */
export async function getTokenByHash(db: TableRef, tokenSha256: string): Promise<TokenRecord | undefined> {
  const out = await db.client.send(
    new GetCommand({ TableName: db.tableName, Key: keys.token(tokenSha256), ConsistentRead: true }),
  );
  return out.Item ? parseToken(out.Item) : undefined;
}

export async function listTokens(db: TableRef): Promise<TokenRecord[]> {
  const out: TokenRecord[] = [];
  for await (const item of queryAll(db, { index: "gsi1", pk: keys.tokensIndex("").gsi1pk }))
    out.push(parseToken(item));
  return out;
}

/** Revokes by public id: marks the item (kept for the audit trail); false when there is no such token. */
export async function revokeToken(db: TableRef, id: string, by: string, at: string): Promise<boolean> {
  const page = await queryPage(db, {
    index: "gsi1",
    pk: keys.tokensIndex(id).gsi1pk,
    skPrefix: id,
    limit: 5,
  });
  const hash = page.items.map((i) => StoredToken.parse(i)).find((t) => t.token.id === id)?.tokenSha256;
  if (!hash) return false;
  await conditionally(
    db.client.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: keys.token(hash),
        UpdateExpression: "SET #token.revokedAt = :at, #token.revokedBy = :by",
        ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(#token.revokedAt)",
        ExpressionAttributeNames: { "#token": "token" },
        ExpressionAttributeValues: { ":at": at, ":by": by },
      }),
    ),
  );
  return true;
}
