/**
 * EventBridge event patterns, the subset we deploy: exact values, `prefix`, `suffix`, `exists`,
 * `anything-but` and `numeric` ranges, with EventBridge's semantics (arrays are OR, fields are AND,
 * an array value in the event matches when any element matches). The local bus uses this to apply
 * the same rule objects that infra deploys.
 */
export type PatternMatcher =
  | string
  | number
  | boolean
  | null
  | { prefix: string }
  | { suffix: string }
  | { exists: boolean }
  | { "anything-but": string | number | Array<string | number> }
  | { numeric: Array<string | number> };

export interface EventPattern {
  [field: string]: PatternMatcher[] | EventPattern;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function matchNumeric(ops: Array<string | number>, value: unknown): boolean {
  if (typeof value !== "number") return false;
  for (let i = 0; i + 1 < ops.length; i += 2) {
    const op = ops[i];
    const bound = Number(ops[i + 1]);
    const ok =
      op === "="
        ? value === bound
        : op === "<"
          ? value < bound
          : op === "<="
            ? value <= bound
            : op === ">"
              ? value > bound
              : op === ">="
                ? value >= bound
                : false;
    if (!ok) return false;
  }
  return true;
}

function matchOne(matcher: PatternMatcher, value: unknown): boolean {
  if (matcher === null || typeof matcher !== "object") return value === matcher;
  if ("prefix" in matcher) return typeof value === "string" && value.startsWith(matcher.prefix);
  if ("suffix" in matcher) return typeof value === "string" && value.endsWith(matcher.suffix);
  if ("anything-but" in matcher) {
    const banned = matcher["anything-but"];
    const list = Array.isArray(banned) ? banned : [banned];
    return value !== undefined && !list.some((b) => b === value);
  }
  if ("numeric" in matcher) return matchNumeric(matcher.numeric, value);
  return false;
}

function matchField(matchers: PatternMatcher[], value: unknown): boolean {
  const existsMatcher = matchers.find((m): m is { exists: boolean } => isObject(m) && "exists" in m);
  if (existsMatcher) return existsMatcher.exists === (value !== undefined);
  const values = Array.isArray(value) ? value : [value];
  return values.some((v) => matchers.some((m) => matchOne(m, v)));
}

export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  if (!isObject(event)) return false;
  for (const [field, rule] of Object.entries(pattern)) {
    const value = event[field];
    if (Array.isArray(rule)) {
      if (!matchField(rule, value)) return false;
    } else if (!matchesPattern(rule, value)) {
      return false;
    }
  }
  return true;
}
