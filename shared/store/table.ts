/**
 * The single table: attribute names, index names and key builders, shared by infra (which creates
 * the table) and runtime (which reads and writes it). Every key in the system is built here.
 */

export const ATTR = {
  pk: "pk",
  sk: "sk",
  gsi1pk: "gsi1pk",
  gsi1sk: "gsi1sk",
  gsi2pk: "gsi2pk",
  gsi2sk: "gsi2sk",
  expiresAt: "expiresAt",
} as const;

export const INDEX = { gsi1: "gsi1", gsi2: "gsi2" } as const;

/** Table shape for CreateTable (local stack) and the CDK construct: one definition, no drift. */
export const TABLE_DEFINITION = {
  partitionKey: ATTR.pk,
  sortKey: ATTR.sk,
  ttlAttribute: ATTR.expiresAt,
  globalSecondaryIndexes: [
    { indexName: INDEX.gsi1, partitionKey: ATTR.gsi1pk, sortKey: ATTR.gsi1sk },
    { indexName: INDEX.gsi2, partitionKey: ATTR.gsi2pk, sortKey: ATTR.gsi2sk },
  ],
} as const;

/** Zero-padded so that lexicographic order is numeric order. */
export function pad(n: number, width: number): string {
  return String(Math.max(0, Math.floor(n))).padStart(width, "0");
}

/** Higher risk sorts first in an ascending index: store 100 - risk. */
export function riskSortKey(risk: number, findingId: string): string {
  return `${pad(100 - Math.min(100, Math.max(0, Math.round(risk))), 3)}#${findingId}`;
}

export const keys = {
  app: (appId: string) => ({ pk: `APP#${appId}`, sk: "APP" }),
  appsIndex: (appId: string) => ({ gsi1pk: "APPS", gsi1sk: appId }),
  scan: (scanId: string) => ({ pk: `SCAN#${scanId}`, sk: "SCAN" }),
  scansOfAppIndex: (appId: string, createdAt: string, scanId: string) => ({
    gsi1pk: `APP#${appId}#SCANS`,
    gsi1sk: `${createdAt}#${scanId}`,
  }),
  /** Sparse: only scans still pending or normalized, oldest progress first (the sweeper's and restart's view). */
  inFlightScansIndex: (since: string, scanId: string) => ({
    gsi2pk: "SCANS#INFLIGHT",
    gsi2sk: `${since}#${scanId}`,
  }),
  finding: (appId: string, findingId: string) => ({ pk: `APP#${appId}`, sk: `FINDING#${findingId}` }),
  findingPrefix: "FINDING#",
  /**
   * One audit event of a finding, in the app's partition beside it (not inside it: a finding that
   * flaps would otherwise grow towards the 400 KB item limit, and every update is billed on the
   * whole item). The discriminator makes a replayed write land on the same item.
   */
  audit: (appId: string, findingId: string, at: string, discriminator: string) => ({
    pk: `APP#${appId}`,
    sk: `AUDIT#${findingId}#${at}#${discriminator}`,
  }),
  auditPrefix: (findingId: string) => `AUDIT#${findingId}#`,
  /** Sparse: only open findings carry it. */
  openByTeamIndex: (team: string, risk: number, findingId: string) => ({
    gsi1pk: `TEAM#${team}#OPEN`,
    gsi1sk: riskSortKey(risk, findingId),
  }),
  byCveIndex: (cve: string, appId: string, findingId: string) => ({
    gsi2pk: `CVE#${cve}`,
    gsi2sk: `APP#${appId}#${findingId}`,
  }),
  /** Commit point of an app's correlation state (see shared/store/app-state.ts). */
  appState: (appId: string) => ({ pk: `APP#${appId}`, sk: "STATE" }),
  scope: (appId: string, scopeId: string) => ({ pk: `APP#${appId}`, sk: `SCOPE#${scopeId}` }),
  scopePrefix: "SCOPE#",
  /** One component of one scope's latest tracked scan (the inventory). */
  component: (appId: string, scopeId: string, componentHash: string) => ({
    pk: `APP#${appId}`,
    sk: `COMPONENT#${scopeId}#${componentHash}`,
  }),
  componentPrefix: (scopeId = "") => `COMPONENT#${scopeId}`,
  /** Every use of a package across apps, by its version-less purl (or ecosystem/name). */
  byPackageIndex: (packageKey: string, appId: string, version: string, scopeId: string) => ({
    gsi2pk: `PKG#${packageKey}`,
    gsi2sk: `APP#${appId}#${version}#${scopeId}`,
  }),
  /** Every use of a package across apps, by its bare name (`log4j-core`). */
  byPackageNameIndex: (
    name: string,
    packageKey: string,
    appId: string,
    version: string,
    scopeId: string,
  ) => ({
    gsi1pk: `PKGNAME#${name}`,
    gsi1sk: `${packageKey}#${appId}#${version}#${scopeId}`,
  }),
  ticketGroup: (appId: string, groupId: string) => ({ pk: `APP#${appId}`, sk: `TICKET#${groupId}` }),
  ticketPrefix: "TICKET#",
  /** The grouping and policy the tickets were last reconciled under: a change regroups every app once. */
  ticketRules: () => ({ pk: "TICKETS#RULES", sk: "TICKETS#RULES" }),
  /** Findings whose ticket group may have changed, from one source; consumed by ticket sync. */
  ticketChange: (appId: string, changeId: string) => ({ pk: `APP#${appId}`, sk: `TICKETCHANGE#${changeId}` }),
  /** Sparse: ticket groups whose desired state differs from what Jira last got, and unconsumed ticket changes. */
  ticketsToSyncIndex: (groupId: string) => ({ gsi1pk: "TICKETS#SYNC", gsi1sk: groupId }),
  exception: (exceptionId: string) => ({ pk: `EXCEPTION#${exceptionId}`, sk: "EXCEPTION" }),
  exceptionsByExpiryIndex: (state: string, expiresAt: string, exceptionId: string) => ({
    gsi1pk: `EXCEPTIONS#${state}`,
    gsi1sk: `${expiresAt}#${exceptionId}`,
  }),
  posture: (scopeKind: "app" | "team" | "org", scopeId: string, date: string) => ({
    pk: `POSTURE#${scopeKind}#${scopeId}`,
    sk: date,
  }),
  intel: (cve: string) => ({ pk: `INTEL#${cve}`, sk: "INTEL" }),
  intelMeta: () => ({ pk: "INTEL", sk: "META" }),
  token: (tokenSha256: string) => ({ pk: `TOKEN#${tokenSha256}`, sk: "TOKEN" }),
  tokensIndex: (tokenId: string) => ({ gsi1pk: "TOKENS", gsi1sk: tokenId }),
  team: (teamId: string) => ({ pk: `TEAM#${teamId}`, sk: "TEAM" }),
  teamsIndex: (teamId: string) => ({ gsi1pk: "TEAMS", gsi1sk: teamId }),
  webhookDelivery: (deliveryId: string) => ({ pk: `WEBHOOK#${deliveryId}`, sk: "WEBHOOK" }),
  /** Posture (shared/store/posture-aggregate-store.ts): an app's counters, a finding's counted facts, change markers. */
  postureAggregate: (appId: string) => ({ pk: `APP#${appId}`, sk: "POSTURE#AGG" }),
  postureFacts: (appId: string, findingId: string) => ({ pk: `APP#${appId}`, sk: `PFACTS#${findingId}` }),
  postureChange: (appId: string, tag: string, chunk: number) => ({
    pk: `APP#${appId}`,
    sk: `PCHG#${tag}#${pad(chunk, 4)}`,
  }),
  postureChangePrefix: "PCHG#",
  /** One pushed catalog source (`aspm`, `backstage`, …), in chunks that fit an item. */
  catalogSource: (source: string, chunk: number) => ({
    pk: "CATALOG",
    sk: `SOURCE#${source}#${pad(chunk, 4)}`,
  }),
  catalogSourcePrefix: (source: string) => `SOURCE#${source}#`,
  catalogRouting: () => ({ pk: "CATALOG", sk: "ROUTING" }),
  /** Derived from every source: the catalog entries of one app id or repo slug, and the CODEOWNERS aliases. */
  ownershipBinding: (kind: "APP" | "REPO", id: string) => ({ pk: "CATALOG#BIND", sk: `${kind}#${id}` }),
  ownershipAliases: () => ({ pk: "CATALOG#BIND", sk: "ALIASES" }),
} as const;

/** S3 object keys, built in one place like the table keys. */
export const objectKeys = {
  raw: (appId: string, scanId: string) => `raw/${appId}/${scanId}`,
  normalized: (appId: string, scanId: string) => `normalized/${appId}/${scanId}.json.gz`,
  /** A few rotating slots per app (committed, previous, pending), so state objects never pile up. */
  appState: (appId: string, slot: number) => `state/${appId}/slot-${slot}.json.gz`,
  intelSnapshot: (name: string, date: string) => `intel/${name}/${date}`,
  /** The CODEOWNERS file sent with a scan (outside raw/, so it never triggers normalize). */
  codeowners: (appId: string, scanId: string) => `codeowners/${appId}/${scanId}`,
} as const;

/** Parses `raw/{app}/{scanId}` back into its parts; anything else is not ours to process. */
export function parseRawKey(key: string): { appId: string; scanId: string } | undefined {
  const match = /^raw\/([a-z0-9][a-z0-9._-]{0,99})\/([A-Za-z0-9_-]{10,64})$/.exec(key);
  return match?.[1] && match[2] ? { appId: match[1], scanId: match[2] } : undefined;
}
