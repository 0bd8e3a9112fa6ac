/**
 * An UpdateItem's expression parts from SET and REMOVE clauses and a condition, with only the
 * placeholders the final text uses: DynamoDB rejects unused names and values, and one update
 * built in variants (reopen or not, owned or not) would otherwise have to track them by hand.
 */
export interface UpdateParts {
  sets: readonly string[];
  removes?: readonly string[];
  condition?: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

export function updateExpression(parts: UpdateParts) {
  const removes = parts.removes ?? [];
  const update = `SET ${parts.sets.join(", ")}${removes.length ? ` REMOVE ${removes.join(", ")}` : ""}`;
  const used = new Set(`${update} ${parts.condition ?? ""}`.match(/[#:][A-Za-z0-9_]+/g));
  const pick = <T>(all: Record<string, T> | undefined) => {
    const out: Record<string, T> = {};
    for (const [k, v] of Object.entries(all ?? {})) if (used.has(k)) out[k] = v;
    return Object.keys(out).length ? out : undefined;
  };
  const names = pick(parts.names);
  const values = pick(parts.values);
  return {
    UpdateExpression: update,
    ...(parts.condition ? { ConditionExpression: parts.condition } : {}),
    ...(names ? { ExpressionAttributeNames: names } : {}),
    ...(values ? { ExpressionAttributeValues: values } : {}),
  };
}
