import { z } from "zod";

/**
 * What we know about an app that changes how much a finding in it matters. Classification is a
 * human job; until someone does it, unknown values fall back to a documented middle and the app
 * carries `unclassified: true` so digests can nag about it.
 */

export const CRITICALITIES = ["critical", "high", "medium", "low"] as const;
export const Criticality = z.enum(CRITICALITIES);
export type Criticality = z.infer<typeof Criticality>;

export const EXPOSURES = ["internet", "internal"] as const;
export const Exposure = z.enum(EXPOSURES);
export type Exposure = z.infer<typeof Exposure>;

export const DATA_SENSITIVITIES = ["none", "internal", "pii", "pci", "phi"] as const;
export const DataSensitivity = z.enum(DATA_SENSITIVITIES);
export type DataSensitivity = z.infer<typeof DataSensitivity>;

export const ENVIRONMENTS = ["production", "staging", "development"] as const;
export const Environment = z.enum(ENVIRONMENTS);
export type Environment = z.infer<typeof Environment>;

/** The four fields that make an app "classified"; controls are optional by nature. */
export const CLASSIFICATION_FIELDS = ["criticality", "exposure", "data", "environment"] as const;
export type ClassificationField = (typeof CLASSIFICATION_FIELDS)[number];

export const AppContext = z.object({
  id: z.string().min(1).max(200),
  criticality: Criticality,
  exposure: Exposure,
  data: DataSensitivity,
  environment: Environment,
  /** Declared compensating controls (`waf`, `rasp`, …), lower-cased and de-duplicated. Declared, not verified. */
  controls: z.array(z.string().min(1).max(100)).max(50),
  /** True when any classification field was missing or not understood. */
  unclassified: z.boolean(),
  /** Which fields fell back to the default, so the explanation can say so. */
  defaulted: z.array(z.enum(CLASSIFICATION_FIELDS)),
  /** Owning team (`team` or `owner` in the catalog); routes tickets and digests. */
  team: z.string().min(1).max(100).optional(),
});
export type AppContext = z.infer<typeof AppContext>;

/**
 * The documented middle for an app nobody has classified yet. `production` because most tracked
 * branches deploy there, so assuming less would hide real risk; `internal` and `medium` so an
 * unknown app neither buries nor floods the queue.
 */
export const DEFAULT_APP_CONTEXT = {
  criticality: "medium",
  exposure: "internal",
  data: "internal",
  environment: "production",
  controls: [],
} as const satisfies Omit<AppContext, "id" | "unclassified" | "defaulted">;

/** Spellings seen in real catalogs (Backstage, CMDB exports) mapped to ours. */
const ALIASES: Record<ClassificationField, Record<string, string>> = {
  criticality: {
    crit: "critical",
    "tier-0": "critical",
    "tier-1": "high",
    "tier-2": "medium",
    "tier-3": "low",
  },
  exposure: { external: "internet", public: "internet", "internet-facing": "internet", private: "internal" },
  data: { pan: "pci", cardholder: "pci", health: "phi", hipaa: "phi", personal: "pii" },
  environment: { prod: "production", stage: "staging", stg: "staging", dev: "development" },
};

/** Bounds a context file: it is configuration, a megabyte is already absurd. */
export const MAX_YAML_CHARS = 1_000_000;

const RawApp = z.looseObject({
  id: z.string().trim().min(1).max(200),
  criticality: z.unknown().optional(),
  exposure: z.unknown().optional(),
  data: z.unknown().optional(),
  environment: z.unknown().optional(),
  controls: z.unknown().optional(),
  team: z.string().trim().min(1).max(100).optional(),
  owner: z.string().trim().min(1).max(100).optional(),
});

const RawContextFile = z.looseObject({ apps: z.array(RawApp).max(10_000) });

export class AppContextError extends Error {
  override readonly name = "AppContextError";
}

/** Builds a context from loosely typed fields: unknown values take the default and are recorded. */
export function classifyApp(
  id: string,
  fields: Partial<Record<ClassificationField | "controls", unknown>>,
): AppContext {
  const defaulted: ClassificationField[] = [];
  const pick = <T>(field: ClassificationField, schema: z.ZodType<T>, fallback: T): T => {
    const value = understood(schema, ALIASES[field], fields[field]);
    if (value !== undefined) return value;
    defaulted.push(field);
    return fallback;
  };
  return {
    id,
    criticality: pick("criticality", Criticality, DEFAULT_APP_CONTEXT.criticality),
    exposure: pick("exposure", Exposure, DEFAULT_APP_CONTEXT.exposure),
    data: pick("data", DataSensitivity, DEFAULT_APP_CONTEXT.data),
    environment: pick("environment", Environment, DEFAULT_APP_CONTEXT.environment),
    controls: normalizeControls(fields.controls),
    unclassified: defaulted.length > 0,
    defaulted,
  };
}

/** The value if it (or a known alias, case-insensitively) is one of the schema's words. */
function understood<T>(schema: z.ZodType<T>, aliases: Record<string, string>, raw: unknown): T | undefined {
  if (typeof raw !== "string") return undefined;
  const word = raw.trim().toLowerCase();
  const parsed = schema.safeParse((Object.hasOwn(aliases, word) ? aliases[word] : undefined) ?? word);
  return parsed.success ? parsed.data : undefined;
}

function normalizeControls(raw: unknown): string[] {
  const list = typeof raw === "string" ? [raw] : Array.isArray(raw) ? raw : [];
  const out = new Set<string>();
  for (const item of list) {
    if (typeof item !== "string") continue;
    const control = item.trim().toLowerCase();
    if (control && control.length <= 100) out.add(control);
  }
  return [...out].slice(0, 50);
}

/**
 * The contexts of a parsed context file (`apps: [{id, criticality, exposure, data, environment,
 * controls}]`). Extra keys (owner, repos, tags) are allowed and ignored here. An invalid file or a
 * duplicate id throws: silently dropping an app would reclassify it as the default.
 */
export function appContextsOf(doc: unknown): Map<string, AppContext> {
  const parsed = RawContextFile.safeParse(doc ?? { apps: [] });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "(root)";
    throw new AppContextError(`context file: ${where}: ${issue?.message ?? "invalid"}`);
  }
  const out = new Map<string, AppContext>();
  for (const app of parsed.data.apps) {
    if (out.has(app.id)) throw new AppContextError(`context file: app "${app.id}" is listed twice`);
    const team = app.team ?? app.owner;
    out.set(app.id, { ...classifyApp(app.id, app), ...(team ? { team } : {}) });
  }
  return out;
}

/** The app's context, or the defaults flagged unclassified when the app is not in the catalog. */
export function contextFor(appId: string, contexts: ReadonlyMap<string, AppContext>): AppContext {
  return contexts.get(appId) ?? classifyApp(appId, {});
}
