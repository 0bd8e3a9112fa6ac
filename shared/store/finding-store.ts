import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  GetCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { mapConcurrent } from "#shared/concurrency";
import type { OwnerSource } from "#shared/domain/ownership";
import {
  CLOSING_TRIAGE,
  type ProviderView,
  type Score,
  type Source,
  TrackedFinding,
} from "#shared/domain/tracked-finding";
import { batchGetItems } from "./batch-get.ts";
import { batchPut, batchWrite } from "./batch-write.ts";
import { queryAll, queryPage } from "./query.ts";
import { keys, riskSortKey } from "./table.ts";
import { conditionally, isConditionalCheckFailed, type TableRef, withoutKeys } from "./table-ref.ts";
import { updateExpression } from "./update-expression.ts";

/**
 * Findings in the single table. Correlation owns the provider fields and lifecycle; people own
 * `triage` and `ownerOverrideKey`, which no write here ever touches.
 */

export interface WriteStats {
  puts: number;
  updates: number;
  consumedWcu: number;
}

/** The team every finding has until someone owns it. */
export const UNOWNED = "unowned";

function teamKey(team: string): string {
  return keys.openByTeamIndex(team, 0, "").gsi1pk;
}

/** The item for a brand-new finding, with its sparse index keys. */
export function findingItem(f: TrackedFinding): Record<string, unknown> {
  // one spread, then plain assignments: several spreads into one literal push V8 into dictionary
  // mode (measured 40 µs per item instead of 2 on a 10k-finding ingest)
  const item: Record<string, unknown> = { ...f };
  const main = keys.finding(f.appId, f.findingId);
  item.pk = main.pk;
  item.sk = main.sk;
  // unowned findings get no team-index entry: on a fresh deployment that is every finding of the
  // organisation, and one index partition would take every write of every first ingest
  if (f.status === "open" && f.team !== UNOWNED) {
    const open = keys.openByTeamIndex(f.team, f.score?.risk ?? 0, f.findingId);
    item.gsi1pk = open.gsi1pk;
    item.gsi1sk = open.gsi1sk;
  }
  if (f.cve) {
    const byCve = keys.byCveIndex(f.cve, f.appId, f.findingId);
    item.gsi2pk = byCve.gsi2pk;
    item.gsi2sk = byCve.gsi2sk;
  }
  item.entity = "finding";
  item.teamKey = teamKey(f.team);
  return item;
}

export async function putNewFindings(
  db: TableRef,
  findings: readonly TrackedFinding[],
  beforeChunk?: (size: number) => void,
): Promise<WriteStats> {
  return putNewFindingsOf(db, findings, (f) => f, beforeChunk);
}

/** Puts new findings built from their sources chunk by chunk, as the writes go (see batchPut). */
export async function putNewFindingsOf<T>(
  db: TableRef,
  sources: readonly T[],
  build: (source: T) => TrackedFinding,
  beforeChunk?: (size: number) => void,
): Promise<WriteStats> {
  const stats = await batchPut(
    db.client,
    db.tableName,
    sources,
    (s) => findingItem(build(s)),
    8,
    beforeChunk,
  );
  return { puts: sources.length, updates: 0, consumedWcu: stats.consumedWcu };
}

/** Which of these findings exist: 100 keys per BatchGetItem, keys only, several in flight. */
export async function existingFindingIds(
  db: TableRef,
  appId: string,
  ids: readonly string[],
): Promise<Set<string>> {
  const found = new Set<string>();
  await batchGet(db, appId, ids, "sk", (item) => {
    found.add(String(item.sk).slice(keys.findingPrefix.length));
  });
  return found;
}

function batchGet(
  db: TableRef,
  appId: string,
  ids: readonly string[],
  projection: string | undefined,
  onItem: (item: Record<string, unknown>) => void,
): Promise<void> {
  return batchGetItems(
    db,
    ids.map((id) => keys.finding(appId, id)),
    projection,
    onItem,
  );
}

export interface ObservationUpdate {
  appId: string;
  findingId: string;
  view: ProviderView;
  cve?: string;
  contentHash: string;
  correlationKey: string;
  source: Source;
  team: string;
  ownerSource?: OwnerSource;
  score?: Score;
  /** Reopen: move from resolved to open, once (the caller records the audit event). */
  reopen?: boolean;
  /** A legacy scope the source moves from (its scope was adopted): its entry is removed. */
  movedFrom?: string;
}

const PROVIDER_FIELDS = [
  "category",
  "title",
  "description",
  "severity",
  "rawSeverity",
  "rule",
  "cvss",
  "vulnerability",
  "cwes",
  "package",
  "location",
  "secret",
  "reachability",
  "vex",
  "exploit",
  "suppressedByTool",
  "remediation",
  "references",
] as const satisfies ReadonlyArray<keyof ProviderView>;

/**
 * Applies an observation to an existing finding: provider fields, the scope's source, score and
 * index keys. The open-by-team key honours a person's owner override (`if_not_exists`). Returns
 * whether the finding was reopened: a requested reopen (false when an earlier attempt of the scan
 * already did it), or new content on a finding a person closed as a false positive or mitigated.
 */
export async function updateFromObservation(db: TableRef, u: ObservationUpdate): Promise<boolean> {
  const names: Record<string, string> = { "#scope": u.source.scopeId };
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  for (const field of PROVIDER_FIELDS) {
    const value = u.view[field];
    names[`#${field}`] = field;
    if (value === undefined) removes.push(`#${field}`);
    else {
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
  }
  if (u.movedFrom && u.movedFrom !== u.source.scopeId) {
    names["#from"] = u.movedFrom;
    removes.push("sources.#from");
  }
  values[":hash"] = u.contentHash;
  values[":key"] = u.correlationKey;
  values[":source"] = u.source;
  values[":teamKey"] = teamKey(u.team);
  values[":team"] = u.team;
  sets.push(
    "contentHash = :hash",
    "correlationKey = :key",
    "sources.#scope = :source",
    "teamKey = :teamKey",
    "team = if_not_exists(ownerOverride, :team)",
  );
  if (u.ownerSource) {
    values[":ownerSource"] = u.ownerSource;
    sets.push("ownerSource = if_not_exists(ownerOverrideSource, :ownerSource)");
  }
  if (u.cve) {
    const cveKeys = keys.byCveIndex(u.cve, u.appId, u.findingId);
    values[":cve"] = u.cve;
    values[":g2pk"] = cveKeys.gsi2pk;
    values[":g2sk"] = cveKeys.gsi2sk;
    sets.push("cve = :cve", "gsi2pk = :g2pk", "gsi2sk = :g2sk");
  }
  if (u.score) {
    values[":score"] = u.score;
    sets.push("score = :score");
  }
  values[":riskSk"] = riskSortKey(u.score?.risk ?? 0, u.findingId);

  // a person's closing triage (false positive, mitigated) holds for the content it was judged on:
  // every write below requires it not to hold, and only new content ends it (`reopenChanged`)
  names["#triage"] = "triage";
  names["#tstatus"] = "status";
  values[":closing"] = CLOSING_TRIAGE[0];
  values[":closing2"] = CLOSING_TRIAGE[1];
  const closedByPerson = "#triage.#tstatus IN (:closing, :closing2)";
  const notClosed = `NOT (${closedByPerson})`;

  const send = (extra: {
    sets?: string[];
    removes?: string[];
    condition: string;
    values?: object;
    names?: Record<string, string>;
  }) =>
    db.client.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: keys.finding(u.appId, u.findingId),
        ...updateExpression({
          sets: [...sets, ...(extra.sets ?? [])],
          removes: [...removes, ...(extra.removes ?? [])],
          condition: extra.condition,
          names: { ...names, "#status": "status", ...extra.names },
          values: { ...values, ...extra.values },
        }),
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
  const reopen = { ":open": "open", ":resolved": "resolved", ":one": 1 };
  const reopenSets = ["#status = :open", "reopenCount = reopenCount + :one"];
  /** Closed by a person for other content: reopened (true); for this content: nothing changes (false). */
  const reopenChanged = async (indexSets: string[], indexRemoves: string[]): Promise<boolean> => {
    try {
      await send({
        sets: [...indexSets, ...reopenSets],
        removes: ["resolvedAt", "#triage.#tstatus", "#triage.#tcontent", ...indexRemoves],
        condition: `attribute_exists(pk) AND ${closedByPerson} AND #triage.#tcontent <> :hash`,
        values: { ":open": "open", ":one": 1 },
        names: { "#tcontent": "contentHash" },
      });
      return true;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      if (!(error as { Item?: unknown }).Item)
        throw new Error(`finding ${u.findingId} of ${u.appId} does not exist`);
      return false;
    }
  };

  if (u.team === UNOWNED) {
    // no team-index entry, unless a person gave the finding an owner (then the override's key)
    const plain = async (condition: string, extraSets: string[], extraValues: object) => {
      if (
        await conditionally(
          send({
            sets: extraSets,
            removes: ["gsi1pk", "gsi1sk", ...(extraSets.length ? ["resolvedAt"] : [])],
            condition: `${condition} AND ${notClosed} AND attribute_not_exists(ownerOverrideKey)`,
            values: extraValues,
          }),
        )
      )
        return true;
      return conditionally(
        send({
          sets: [...extraSets, "gsi1pk = ownerOverrideKey", "gsi1sk = :riskSk"],
          ...(extraSets.length ? { removes: ["resolvedAt"] } : {}),
          condition: `${condition} AND ${notClosed} AND attribute_exists(ownerOverrideKey)`,
          values: extraValues,
        }),
      );
    };
    if (u.reopen && (await plain("attribute_exists(pk) AND #status = :resolved", reopenSets, reopen)))
      return true;
    if (await plain("attribute_exists(pk)", [], {})) return false;
    return reopenChanged([], ["gsi1pk", "gsi1sk"]);
  }

  // the sparse open-by-team key only exists while the finding is open
  const index = ["gsi1pk = if_not_exists(ownerOverrideKey, :teamKey)", "gsi1sk = :riskSk"];
  if (u.reopen) {
    const reopened = await conditionally(
      send({
        sets: [...index, ...reopenSets],
        removes: ["resolvedAt"],
        condition: `attribute_exists(pk) AND #status = :resolved AND ${notClosed}`,
        values: reopen,
      }),
    );
    // not resolved any more: an earlier attempt of this scan reopened it; fall through to the plain update
    if (reopened) return true;
  }
  if (await conditionally(send({ sets: index, condition: `attribute_exists(pk) AND ${notClosed}` })))
    return false;
  return reopenChanged(index, []);
}

/** The scope no longer reports the finding, but another scope still does. */
export async function closeSource(
  db: TableRef,
  appId: string,
  findingId: string,
  scopeId: string,
  at: string,
): Promise<void> {
  await conditionally(
    db.client.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: keys.finding(appId, findingId),
        UpdateExpression: "SET sources.#scope.#open = :false, sources.#scope.closedAt = :at",
        ConditionExpression: "attribute_exists(sources.#scope)",
        ExpressionAttributeNames: { "#scope": scopeId, "#open": "open" },
        ExpressionAttributeValues: { ":false": false, ":at": at },
      }),
    ),
  );
}

/** No scope reports the finding any more: resolved by `system`, once (retries are no-ops). */
export async function resolveFinding(
  db: TableRef,
  appId: string,
  findingId: string,
  scopeId: string,
  at: string,
): Promise<boolean> {
  return conditionally(
    db.client.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: keys.finding(appId, findingId),
        UpdateExpression:
          "SET #status = :resolved, resolvedAt = :at, sources.#scope.#open = :false, sources.#scope.closedAt = :at REMOVE gsi1pk, gsi1sk",
        ConditionExpression: "#status = :open AND attribute_exists(sources.#scope)",
        ExpressionAttributeNames: { "#status": "status", "#scope": scopeId, "#open": "open" },
        ExpressionAttributeValues: { ":resolved": "resolved", ":open": "open", ":at": at, ":false": false },
      }),
    ),
  );
}

/** Pattern "findings of an app": the app's partition, sort keys FINDING#, paged. */
export async function listFindingsOfApp(
  db: TableRef,
  appId: string,
  limit = 100,
  cursor?: Record<string, unknown>,
) {
  const page = await queryPage(db, {
    pk: keys.app(appId).pk,
    skPrefix: keys.findingPrefix,
    limit,
    cursor,
  });
  return { findings: page.items.map(parseFinding), cursor: page.cursor };
}

/** Every finding of an app, page by page (jobs, not request paths). */
export async function* allFindingsOfApp(db: TableRef, appId: string): AsyncGenerator<TrackedFinding> {
  for await (const item of queryAll(db, { pk: keys.app(appId).pk, skPrefix: keys.findingPrefix, limit: 500 }))
    yield parseFinding(item);
}

/** Pattern "open findings of a team by risk": the sparse gsi1, highest risk first. */
export async function listOpenFindingsOfTeam(
  db: TableRef,
  team: string,
  limit = 50,
  cursor?: Record<string, unknown>,
) {
  const page = await queryPage(db, {
    index: "gsi1",
    pk: teamKey(team),
    limit,
    cursor,
  });
  return { findings: page.items.map(parseFinding), cursor: page.cursor };
}

/** Pattern "findings by CVE across all apps": gsi2. Answers "are we affected by CVE-X?". */
export async function listFindingsByCve(
  db: TableRef,
  cve: string,
  limit = 100,
  cursor?: Record<string, unknown>,
) {
  const page = await queryPage(db, {
    index: "gsi2",
    pk: keys.byCveIndex(cve, "", "").gsi2pk,
    limit,
    cursor,
  });
  return { findings: page.items.map(parseFinding), cursor: page.cursor };
}

export async function getFindings(
  db: TableRef,
  appId: string,
  ids: readonly string[],
): Promise<TrackedFinding[]> {
  const found: TrackedFinding[] = [];
  await batchGet(db, appId, ids, undefined, (item) => found.push(parseFinding(item)));
  return found;
}

/** Pattern "finding by id": one strongly consistent GetItem (triage reads what it is about to change). */
export async function getFinding(
  db: TableRef,
  appId: string,
  findingId: string,
): Promise<TrackedFinding | undefined> {
  const out = await db.client.send(
    new GetCommand({ TableName: db.tableName, Key: keys.finding(appId, findingId), ConsistentRead: true }),
  );
  return out.Item ? parseFinding(out.Item) : undefined;
}

export function parseFinding(item: Record<string, unknown>): TrackedFinding {
  const {
    teamKey: _t,
    ownerOverride: _o,
    ownerOverrideKey: _ok,
    ownerOverrideSource: _os,
    mergedInto: _m,
    ...rest
  } = withoutKeys(item);
  return TrackedFinding.parse(rest);
}

/** New score from an intel change: the score and the open-by-team sort key (the caller audits it). */
export async function rescoreFinding(db: TableRef, finding: TrackedFinding, score: Score): Promise<void> {
  const open = finding.status === "open";
  await db.client
    .send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: keys.finding(finding.appId, finding.findingId),
        UpdateExpression: `SET score = :score${open ? ", gsi1sk = :sk" : ""}`,
        ConditionExpression: open
          ? "attribute_exists(pk) AND attribute_exists(gsi1pk)"
          : "attribute_exists(pk)",
        ExpressionAttributeValues: {
          ":score": score,
          ...(open ? { ":sk": riskSortKey(score.risk, finding.findingId) } : {}),
        },
      }),
    )
    .catch(async (error: unknown) => {
      // an open finding outside the team index (unowned): the score alone
      if (!open || !isConditionalCheckFailed(error)) throw error;
      await db.client.send(
        new UpdateCommand({
          TableName: db.tableName,
          Key: keys.finding(finding.appId, finding.findingId),
          UpdateExpression: "SET score = :score",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":score": score },
        }),
      );
    });
}

/** A duplicate discovered late (an alias learned after both were seen): resolved as merged, once. */
export async function mergeFinding(
  db: TableRef,
  appId: string,
  findingId: string,
  into: string,
  at: string,
): Promise<boolean> {
  return conditionally(
    db.client.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: keys.finding(appId, findingId),
        UpdateExpression:
          "SET #status = :resolved, resolvedAt = :at, mergedInto = :into REMOVE gsi1pk, gsi1sk",
        ConditionExpression: "#status = :open",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":resolved": "resolved", ":open": "open", ":at": at, ":into": into },
      }),
    ),
  );
}

/** Sets (or clears) the exception mark a person's approved exception puts on a finding (the caller audits it). */
export async function markException(
  db: TableRef,
  appId: string,
  findingId: string,
  mark: TrackedFinding["exception"],
): Promise<boolean> {
  return conditionally(
    db.client.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: keys.finding(appId, findingId),
        UpdateExpression: mark ? "SET #exception = :mark" : "REMOVE #exception",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: { "#exception": "exception" },
        ...(mark ? { ExpressionAttributeValues: { ":mark": mark } } : {}),
      }),
    ),
  );
}

/** A person's triage of one finding, as decided by the triage use case from the finding it read. */
export interface TriageWrite {
  triage?: TrackedFinding["triage"];
  /** Close (false positive, mitigated) or reopen what a person closed; absent: status unchanged. */
  status?: "open" | "resolved";
  /** Owner override: the team that owns the finding from now on, whatever the app's team. */
  owner?: string;
  at: string;
}

/**
 * Applies a triage decision if the finding is still as it was read (status and content), so a
 * scan landing in between makes the caller re-read rather than overwrite; the caller audits it.
 * False when the finding changed.
 */
export async function applyTriage(db: TableRef, read: TrackedFinding, w: TriageWrite): Promise<boolean> {
  const names: Record<string, string> = { "#status": "status" };
  const values: Record<string, unknown> = { ":was": read.status, ":hash": read.contentHash };
  const sets: string[] = [];
  const removes: string[] = [];
  if (w.triage) {
    names["#triage"] = "triage";
    values[":triage"] = w.triage;
    sets.push("#triage = :triage");
  }
  const team = w.owner ?? read.team;
  if (w.owner) {
    values[":team"] = w.owner;
    values[":ownerKey"] = teamKey(w.owner);
    values[":byTriage"] = "triage";
    sets.push(
      "team = :team",
      "teamKey = :ownerKey",
      "ownerOverride = :team",
      "ownerOverrideKey = :ownerKey",
      "ownerOverrideSource = :byTriage",
      "ownerSource = :byTriage",
    );
  }
  const status = w.status ?? read.status;
  if (status === "resolved") {
    if (w.status === "resolved") {
      values[":resolved"] = "resolved";
      values[":at"] = w.at;
      sets.push("#status = :resolved", "resolvedAt = :at");
    }
    removes.push("gsi1pk", "gsi1sk");
  } else if (team === UNOWNED) {
    values[":open"] = "open";
    sets.push("#status = :open");
    removes.push("gsi1pk", "gsi1sk");
  } else {
    // open (again, or still): the sparse open-by-team key follows the owner
    values[":open"] = "open";
    values[":g1pk"] = teamKey(team);
    values[":g1sk"] = riskSortKey(read.score?.risk ?? 0, read.findingId);
    sets.push("#status = :open", "gsi1pk = :g1pk", "gsi1sk = :g1sk");
  }
  if (w.status === "open") removes.push("resolvedAt");
  return conditionally(
    db.client.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: keys.finding(read.appId, read.findingId),
        ...updateExpression({
          sets,
          removes,
          condition: "attribute_exists(pk) AND #status = :was AND contentHash = :hash",
          names,
          values,
        }),
      }),
    ),
  );
}

/**
 * A person's owner override (triage): wins over every other ownership source, and correlation keeps
 * it (`if_not_exists(ownerOverride…)` in updateFromObservation). The open-by-team key follows it
 * (unowned findings stay off the index). The caller records the audit event.
 */
export async function setOwnerOverride(db: TableRef, finding: TrackedFinding, owner: string): Promise<void> {
  const key = teamKey(owner);
  const indexed = finding.status === "open" && owner !== UNOWNED;
  await db.client.send(
    new UpdateCommand({
      TableName: db.tableName,
      Key: keys.finding(finding.appId, finding.findingId),
      UpdateExpression: `SET ownerOverride = :owner, ownerOverrideSource = :triage, ownerOverrideKey = :key, team = :owner, ownerSource = :triage, teamKey = :key${indexed ? ", gsi1pk = :key, gsi1sk = :sk" : ""}`,
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: {
        ":owner": owner,
        ":triage": "triage",
        ":key": key,
        ...(indexed ? { ":sk": riskSortKey(finding.score?.risk ?? 0, finding.findingId) } : {}),
      },
    }),
  );
}
