import { z } from "zod";
import { collectCwes } from "#shared/domain/cwe";
import type { Category, Severity } from "#shared/domain/finding";
import { redactSecret } from "#shared/domain/secret";
import { severityFromScore } from "#shared/domain/severity";
import { hashSnippet } from "#shared/domain/snippet";
import { isCve } from "#shared/domain/vulnerability-id";
import { isRecord, type ReportDocument } from "./document.ts";
import { type FindingDraft, findingList, makeFinding, parsedFindings } from "./finding-builder.ts";
import type { FindingList, ParseContext, ParsedReport, ReportFormat } from "./format.ts";
import { forEachElement, JsonArray } from "./lazy-json.ts";
import { parseShape } from "./shape.ts";

/**
 * SARIF 2.1.0 (OASIS), as written by CodeQL, Semgrep, Trivy, Checkov, Gitleaks, ESLint, Snyk,
 * tfsec, KICS and others. Severity: the rule's or result's `security-severity` (a CVSS-like score,
 * GitHub code scanning's convention) wins; else the result `level`, else the rule's default
 * level, else `warning` (SARIF §3.27.10): error→high, warning→medium, note→low, none→info.
 */

const Text = z.object({ text: z.string().optional(), markdown: z.string().optional() });
const Props = z.record(z.string(), z.unknown());

const Rule = z.object({
  id: z.string().optional(),
  name: z.string().optional(),
  shortDescription: Text.optional(),
  fullDescription: Text.optional(),
  help: Text.optional(),
  helpUri: z.string().optional(),
  defaultConfiguration: z.object({ level: z.string().optional() }).optional(),
  properties: Props.optional(),
  messageStrings: z.record(z.string(), Text).optional(),
});
type Rule = z.infer<typeof Rule>;

const Driver = z.object({
  name: z.string(),
  version: z.string().optional(),
  semanticVersion: z.string().optional(),
  rules: z.array(Rule).optional(),
});

const Region = z.object({
  startLine: z.number().optional(),
  endLine: z.number().optional(),
  snippet: Text.optional(),
});

const PhysicalLocation = z.object({
  artifactLocation: z.object({ uri: z.string().optional(), uriBaseId: z.string().optional() }).optional(),
  region: Region.optional(),
  contextRegion: Region.optional(),
});

const Location = z.object({
  physicalLocation: PhysicalLocation.optional(),
  logicalLocations: z
    .array(z.object({ fullyQualifiedName: z.string().optional(), name: z.string().optional() }))
    .optional(),
});

const Result = z.object({
  ruleId: z.string().optional(),
  ruleIndex: z.number().optional(),
  rule: z
    .object({
      id: z.string().optional(),
      index: z.number().optional(),
      toolComponent: z.object({ index: z.number().optional() }).optional(),
    })
    .optional(),
  kind: z.string().optional(),
  level: z.string().optional(),
  message: z.object({
    text: z.string().optional(),
    markdown: z.string().optional(),
    id: z.string().optional(),
    arguments: z.array(z.string()).optional(),
  }),
  locations: z.array(Location).optional(),
  partialFingerprints: z.record(z.string(), z.string()).optional(),
  fingerprints: z.record(z.string(), z.string()).optional(),
  guid: z.string().optional(),
  correlationGuid: z.string().optional(),
  suppressions: z
    .array(
      z.object({
        kind: z.string().optional(),
        status: z.string().optional(),
        justification: z.string().optional(),
      }),
    )
    .optional(),
  baselineState: z.string().optional(),
  properties: Props.optional(),
});
type Result = z.infer<typeof Result>;

const Run = z.object({
  tool: z.object({
    driver: Driver,
    extensions: z
      .array(z.object({ name: z.string().optional(), rules: z.array(Rule).optional() }))
      .optional(),
  }),
  // lazily parsed on big logs (shared/parsers/lazy-json.ts): each result is parsed as it is visited
  results: JsonArray.nullish(),
  automationDetails: z.object({ id: z.string().optional() }).optional(),
  originalUriBaseIds: z.record(z.string(), z.object({ uri: z.string().optional() })).optional(),
});

const Log = z.object({ version: z.string().optional(), runs: z.array(z.unknown()) });

const LEVEL_SEVERITY: Record<string, Severity> = {
  error: "high",
  warning: "medium",
  note: "low",
  none: "info",
};
const NOT_FINDINGS = new Set(["pass", "notApplicable", "informational"]);

function detect(doc: ReportDocument): boolean {
  if (doc.syntax !== "json" || !isRecord(doc.value)) return false;
  const v = doc.value;
  const schema = typeof v.$schema === "string" ? v.$schema : "";
  return Array.isArray(v.runs) && (v.version === "2.1.0" || /sarif/i.test(schema));
}

function securitySeverity(...bags: Array<Record<string, unknown> | undefined>): number | undefined {
  for (const bag of bags) {
    const raw = bag?.["security-severity"];
    const score =
      typeof raw === "number" ? raw : typeof raw === "string" ? Number.parseFloat(raw) : Number.NaN;
    if (Number.isFinite(score) && score >= 0 && score <= 10) return score;
  }
  return undefined;
}

function tagsOf(...bags: Array<Record<string, unknown> | undefined>): string[] {
  const out: string[] = [];
  for (const bag of bags) {
    const tags = bag?.tags;
    if (Array.isArray(tags)) for (const t of tags) if (typeof t === "string") out.push(t);
  }
  return out;
}

/**
 * Words that make a rule a secret rule, as a whole word of a tag, an id or a name (`generic-api-key`,
 * `js/hardcoded-credentials`, `DatabasePassword`), but not a rule about a secret store
 * (`secrets-manager`, `secret-rotation`). A bare "token" only counts as a tag: as a rule name it
 * is as often a CSRF or JWT check.
 */
const SECRET_NAME =
  /(?:^|[^a-z0-9])(?:secrets?|credentials?|passwords?|passwd|private[-_ ]?keys?|api[-_ ]?keys?|access[-_ ]?keys?|(?:access|api|auth|bearer|oauth|refresh|session|github|gitlab|slack|npm|personal[-_ ]?access)[-_ ]?tokens?)(?![-_ ]?(?:manager|store|vault|rotation|encryption|policy|scanning))(?=$|[^a-z0-9])/i;
const SECRET_TAG = /(?:^|[^a-z0-9])(?:tokens?|leaks?)(?=$|[^a-z0-9])/i;
/** Hard-coded password, password in a configuration file, hard-coded key, hard-coded credentials. */
const SECRET_CWE = /(?:^|[^0-9])(?:259|260|321|798)$/;

/** `DatabasePassword` → `Database-Password`, so camel-case names split into words. */
function words(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1-$2");
}

/** A rule of a secret scanner the parser does not know by name: its tags, CWE, id or name say so. */
function looksLikeSecretRule(rule: Rule | undefined, ruleId: string, tags: string[]): boolean {
  if (
    tags.some(
      (t) => SECRET_NAME.test(words(t)) || SECRET_TAG.test(t) || (/cwe/i.test(t) && SECRET_CWE.test(t)),
    )
  )
    return true;
  return [ruleId, rule?.id, rule?.name].some((name) => name !== undefined && SECRET_NAME.test(words(name)));
}

/** The category of a result from what the tool is and what the rule looks like. */
function categoryOf(toolName: string, rule: Rule | undefined, ruleId: string, tags: string[]): Category {
  const tool = toolName.toLowerCase();
  const ruleName = (rule?.name ?? "").toLowerCase();
  if (/gitleaks|trufflehog|secret|detect-secrets|ggshield/.test(tool)) return "secret";
  // Checkov's secrets framework, in a log of its other frameworks
  if (/^CKV_SECRET_/i.test(ruleId)) return "secret";
  if (tool.includes("trivy")) {
    if (ruleName.includes("ospackage")) return "container";
    if (ruleName.includes("secret")) return "secret";
    if (ruleName.includes("misconfig")) return "iac";
    if (ruleName.includes("package") || isCve(ruleId) || /^GHSA-/i.test(ruleId)) return "sca";
    return "iac";
  }
  if (/checkov|tfsec|kics|terrascan|cfn|kube-?linter|kubesec|hadolint|tflint/.test(tool)) return "iac";
  if (/zap|nuclei|burp|dast|nikto/.test(tool)) return "dast";
  if (/grype|osv|dependabot|dependency|npm audit|audit|snyk open source/.test(tool)) return "sca";
  if (tool.includes("snyk") && !tool.includes("code")) return "sca";
  if (isCve(ruleId) || /^GHSA-/i.test(ruleId)) return "sca";
  if (looksLikeSecretRule(rule, ruleId, tags)) return "secret";
  return "sast";
}

function messageText(result: Result, rule: Rule | undefined): string {
  const msg = result.message;
  if (msg.text) return msg.text;
  if (msg.markdown) return msg.markdown;
  if (msg.id && rule?.messageStrings?.[msg.id]?.text) {
    const args = msg.arguments ?? [];
    return (rule.messageStrings[msg.id]?.text ?? "").replace(
      /\{(\d+)\}/g,
      (_, i: string) => args[Number(i)] ?? "",
    );
  }
  return rule?.shortDescription?.text ?? rule?.name ?? result.ruleId ?? "SARIF result";
}

/** Trivy and similar put package facts in message lines: `Package: x`, `Installed Version: y`. */
function messageFields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Za-z][A-Za-z ]{1,30}):\s*(.+)$/.exec(line.trim());
    if (m?.[1] && m[2]) out[m[1].toLowerCase()] = m[2].trim();
  }
  return out;
}

function resolveUri(
  uri: string,
  baseId: string | undefined,
  bases: z.infer<typeof Run>["originalUriBaseIds"],
): string {
  const base = baseId ? bases?.[baseId]?.uri : undefined;
  if (!base || /^[a-z]+:\/\//i.test(uri) || base.startsWith("file:")) return uri;
  return `${base.replace(/\/?$/, "/")}${uri}`;
}

interface RuleFacts {
  tags: string[];
  plainTags: string[];
  cwes: string[];
  category: Category;
  score: number | undefined;
}

function ruleFacts(
  toolName: string,
  rule: Rule | undefined,
  id: string,
  resultProperties: Record<string, unknown> | undefined,
): RuleFacts {
  const tags = tagsOf(rule?.properties, resultProperties);
  return {
    tags,
    plainTags: tags.filter((t) => !/cwe/i.test(t)),
    cwes: collectCwes(tags.filter((t) => /cwe/i.test(t))),
    category: categoryOf(toolName, rule, id, tags),
    score: securitySeverity(resultProperties, rule?.properties),
  };
}

function parseRun(
  rawRun: unknown,
  runIndex: number,
  ctx: ParseContext,
  out: FindingList,
): { name: string; version?: string; category?: string } {
  const run = parseShape(Run, rawRun, "sarif", `runs[${runIndex}]`);
  const driver = run.tool.driver;
  const tool = { name: driver.name, version: driver.semanticVersion ?? driver.version };
  const components: Rule[][] = [driver.rules ?? [], ...(run.tool.extensions ?? []).map((e) => e.rules ?? [])];
  const byId = new Map<string, Rule>();
  for (const rules of components) for (const r of rules) if (r.id && !byId.has(r.id)) byId.set(r.id, r);

  const factsByRule = new Map<Rule | string, RuleFacts>();
  const cachedFacts = (toolName: string, rule: Rule | undefined, id: string): RuleFacts => {
    const key = rule ?? id;
    let facts = factsByRule.get(key);
    if (!facts) {
      facts = ruleFacts(toolName, rule, id, undefined);
      factsByRule.set(key, facts);
    }
    return facts;
  };

  forEachElement(run.results, (rawResult, resultIndex) => {
    const result = parseShape(Result, rawResult, "sarif", `runs[${runIndex}].results[${resultIndex}]`);
    if (result.kind && NOT_FINDINGS.has(result.kind)) return;
    const ruleId = result.ruleId ?? result.rule?.id ?? "";
    const componentIndex = result.rule?.toolComponent?.index;
    const ruleIndex = result.ruleIndex ?? result.rule?.index;
    const component = componentIndex === undefined ? components[0] : components[componentIndex + 1];
    const rule = (ruleIndex !== undefined ? component?.[ruleIndex] : undefined) ?? byId.get(ruleId);
    const id = ruleId || rule?.id || "unknown";
    // rule-level facts are computed once per rule, not once per result (reports repeat rules thousands of times)
    const facts = result.properties
      ? ruleFacts(tool.name, rule, id, result.properties)
      : cachedFacts(tool.name, rule, id);
    const { category, score } = facts;
    const level = result.level ?? rule?.defaultConfiguration?.level ?? "warning";
    const severity = score !== undefined ? severityFromScore(score) : (LEVEL_SEVERITY[level] ?? "medium");
    const rawSeverity = score !== undefined ? `security-severity=${score} level=${level}` : `level=${level}`;

    const physical = result.locations?.[0]?.physicalLocation;
    const logical = result.locations?.[0]?.logicalLocations?.[0];
    const uri = physical?.artifactLocation?.uri;
    const region = physical?.region;
    const snippet = region?.snippet?.text ?? physical?.contextRegion?.snippet?.text;
    const text = messageText(result, rule);

    const draft: FindingDraft = {
      category,
      tool,
      rule: { id, name: rule?.name && rule.name !== id ? rule.name : rule?.shortDescription?.text },
      // a secret result's message quotes the secret: its title comes from the rule alone
      title:
        category === "secret"
          ? (rule?.shortDescription?.text ?? rule?.name ?? id)
          : (rule?.shortDescription?.text ?? text.split("\n")[0] ?? id),
      description:
        category === "secret" ? rule?.fullDescription?.text : (text ?? rule?.fullDescription?.text),
      severity,
      rawSeverity,
      cwes: facts.cwes,
      location: {
        file: uri
          ? resolveUri(uri, physical?.artifactLocation?.uriBaseId, run.originalUriBaseIds)
          : undefined,
        startLine: region?.startLine,
        endLine: region?.endLine ?? region?.startLine,
        snippetHash: category === "secret" ? undefined : hashSnippet(snippet),
        resource: logical?.fullyQualifiedName ?? logical?.name,
      },
      fingerprints: { ...result.fingerprints, ...result.partialFingerprints },
      toolId: result.guid ?? result.correlationGuid,
      references: [rule?.helpUri],
      tags: facts.plainTags,
      remediation:
        rule?.help?.text && rule.help.text !== rule.shortDescription?.text ? rule.help.text : undefined,
    };

    if (category === "sca" || category === "container") {
      const fields = { ...messageFields(rule?.help?.text ?? ""), ...messageFields(text) };
      const vulnId = isCve(id) || /^GHSA-/i.test(id) ? id : fields.vulnerability;
      if (vulnId) draft.vulnerability = { id: vulnId, aliases: [] };
      if (fields.package) {
        draft.package = {
          name: fields.package,
          version: fields["installed version"],
          fixedVersions: fields["fixed version"] ? fields["fixed version"].split(/,\s*/) : [],
        };
      }
      if (category === "container" && uri)
        draft.location = { ...draft.location, image: uri, file: undefined };
    }

    if (category === "secret") {
      if (snippet) draft.secret = redactSecret(snippet, ctx.secretSalt);
      // gitleaks puts commit metadata (author, email) in partialFingerprints: keep only the commit
      const commit = result.partialFingerprints?.commitSha;
      draft.fingerprints = commit ? { commitSha: commit } : {};
    }

    const suppression = result.suppressions?.find((s) => s.status === undefined || s.status === "accepted");
    if (suppression)
      draft.suppressed = { kind: suppression.kind ?? "external", justification: suppression.justification };
    const baseline = result.baselineState;
    if (baseline === "new" || baseline === "unchanged" || baseline === "updated" || baseline === "absent") {
      draft.baselineState = baseline;
    }
    out.push(makeFinding(draft));
  });
  return { ...tool, category: analysisOf(run.automationDetails?.id) };
}

/**
 * The analysis a run belongs to (GitHub's upload `category`): the automation id up to its last `/`.
 * The part after it names this one run, and an id without `/` is all run instance (SARIF 3.17.3).
 */
function analysisOf(id: string | undefined): string | undefined {
  const slash = id?.lastIndexOf("/") ?? -1;
  return id && slash > 0 ? id.slice(0, slash) : undefined;
}

function parse(doc: ReportDocument, ctx: ParseContext): ParsedReport {
  const log = parseShape(Log, doc.syntax === "json" ? doc.value : undefined, "sarif");
  const findings = findingList();
  const tools = log.runs.map((run, i) => parseRun(run, i, ctx, findings));
  const names = [...new Set(tools.map((t) => t.name))];
  const first = tools[0];
  const tool =
    names.length === 1 && first
      ? { name: first.name, ...(first.version ? { version: first.version } : {}) }
      : { name: names.join("+") || "unknown" };
  const categories = [...new Set(tools.flatMap((t) => (t.category ? [t.category] : [])))].sort();
  return {
    tool,
    ...parsedFindings(findings),
    ...(categories.length ? { artifact: categories.join(",") } : {}),
  };
}

export const sarif: ReportFormat = {
  id: "sarif",
  lazyArrays: true,
  tools: "CodeQL, Semgrep, Trivy, Checkov, Gitleaks, ESLint, Snyk Code, tfsec, KICS and any SARIF writer",
  description:
    "SARIF 2.1.0 logs: multiple runs, rule security-severity and CWE tags, partialFingerprints, suppressions",
  detect,
  parse,
};
