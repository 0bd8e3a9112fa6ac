import { type ParseArgsConfig, parseArgs } from "node:util";
import { ApiError } from "./api-client.ts";
import { CliError, type CliIo, exitWhenDrained, processIo, stopQuietlyWhenReaderLeaves } from "./io.ts";

/**
 * The `aspm` command. Every command and subcommand is one row of COMMANDS: its usage, its
 * options, and what it runs. `--help` anywhere prints the usage and runs nothing; a usage error is
 * one line and exit 2; a runtime failure is one line naming the URL or file and exit 1; a blocked
 * gate is exit 3. Stack traces only with ASPM_DEBUG=1.
 */

type Options = NonNullable<ParseArgsConfig["options"]>;
type Values = Record<string, string | boolean | undefined>;

interface Command {
  /** Usage lines: the first is the synopsis. */
  usage: string[];
  options?: Options;
  /** Positional arguments: how many are required, and how many are allowed. */
  args?: [min: number, max: number];
  run?: (io: CliIo, values: Values, positionals: string[]) => Promise<void>;
  subcommands?: Record<string, Command>;
}

const API_OPTIONS: Options = { api: { type: "string" }, token: { type: "string" } };
const API_USAGE =
  "  --api URL --token T    the API (default ASPM_API_URL / ASPM_API_TOKEN, or the local `aspm dev`)";

const str = (v: Values, k: string): string | undefined => (typeof v[k] === "string" ? v[k] : undefined);
const flag = (v: Values, k: string): boolean => v[k] === true;
const pick = (v: Values, keys: string[]): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const k of keys) {
    const value = str(v, k);
    if (value !== undefined) out[k] = value;
  }
  return out;
};

const FINDING_FILTERS: Record<string, string> = {
  app: "app",
  team: "team",
  status: "status",
  severity: "severity",
  priority: "priority",
  category: "category",
  tool: "tool",
  cve: "cve",
  "due-before": "dueBefore",
  text: "text",
};

const COMMANDS: Record<string, Command> = {
  upload: {
    usage: [
      "aspm upload FILE --app APP [--branch B] [--commit SHA] [--commit-time ISO] [--tool T] [--format F]",
      "                 [--target T] [--repo R] [--codeowners FILE] [--wait] [--gate [--policy aspm-policy.yaml]]",
      "Validates the report here, uploads it to a presigned URL (progress bar for large files), and with",
      "--wait follows the scan through its stages. --gate (implies --wait) applies the policy to a",
      "pull-request scan, prints a Markdown summary (also to $GITHUB_STEP_SUMMARY) and exits 3 if it blocks.",
      "--codeowners sends the repository's CODEOWNERS, so findings are owned by the path's owners.",
      API_USAGE,
    ],
    options: {
      ...API_OPTIONS,
      app: { type: "string" },
      tool: { type: "string" },
      format: { type: "string" },
      branch: { type: "string" },
      commit: { type: "string" },
      "commit-time": { type: "string" },
      target: { type: "string" },
      repo: { type: "string" },
      codeowners: { type: "string" },
      wait: { type: "boolean" },
      gate: { type: "boolean" },
      policy: { type: "string" },
    },
    args: [1, 1],
    run: async (io, v, [file]) => {
      const app = str(v, "app");
      if (!app || !file) throw new CliError("aspm upload needs FILE and --app APP", 2);
      const { uploadCommand } = await import("./commands/upload.ts");
      const commitTime = str(v, "commit-time");
      await uploadCommand(io, file, {
        app,
        ...pick(v, ["tool", "format", "branch", "commit", "target", "repo", "api", "token", "policy"]),
        ...(commitTime ? { commitTime } : {}),
        ...(str(v, "codeowners") ? { codeownersFile: str(v, "codeowners") } : {}),
        wait: flag(v, "wait"),
        gate: flag(v, "gate"),
      });
    },
  },
  status: {
    usage: [
      "aspm status SCAN_ID [--json] [--policy FILE]",
      "A scan's status, stage, failure reason, counts and gate; --json prints the scan document.",
      API_USAGE,
    ],
    options: { ...API_OPTIONS, json: { type: "boolean" }, policy: { type: "string" } },
    args: [1, 1],
    run: async (io, v, [scanId]) => {
      const { statusCommand } = await import("./commands/upload.ts");
      await statusCommand(io, scanId ?? "", {
        ...pick(v, ["api", "token", "policy"]),
        json: flag(v, "json"),
      });
    },
  },
  findings: {
    usage: [
      "aspm findings [APP:ID] [--app A] [--team T] [--status open,resolved] [--severity critical,high]",
      "              [--priority P1,P2] [--category sca,secret] [--tool T] [--cve CVE] [--kev]",
      "              [--due-before DATE] [--text WORDS] [--limit N] [--all] [--json]",
      "Queries findings; with APP:ID shows one finding with its sources, score factors and history.",
      API_USAGE,
    ],
    options: {
      ...API_OPTIONS,
      ...Object.fromEntries(Object.keys(FINDING_FILTERS).map((k) => [k, { type: "string" as const }])),
      kev: { type: "boolean" },
      limit: { type: "string" },
      all: { type: "boolean" },
      json: { type: "boolean" },
    },
    args: [0, 1],
    run: async (io, v, [ref]) => {
      const { findingsCommand } = await import("./commands/findings.ts");
      const filters: Record<string, string | undefined> = {};
      for (const [flagName, param] of Object.entries(FINDING_FILTERS)) filters[param] = str(v, flagName);
      if (flag(v, "kev")) filters.kev = "true";
      await findingsCommand(io, ref, {
        ...pick(v, ["api", "token", "limit"]),
        json: flag(v, "json"),
        all: flag(v, "all"),
        filters,
      });
    },
  },
  triage: {
    usage: [
      "aspm triage APP:ID (--false-positive | --mitigated | --reopen) [--owner TEAM] --reason TEXT [--json]",
      "A person's triage, recorded with who, why and when. A false positive or mitigated finding stays",
      "closed across re-scans until its content changes; --owner overrides the owning team.",
      API_USAGE,
    ],
    options: {
      ...API_OPTIONS,
      "false-positive": { type: "boolean" },
      mitigated: { type: "boolean" },
      reopen: { type: "boolean" },
      owner: { type: "string" },
      reason: { type: "string" },
      json: { type: "boolean" },
    },
    args: [1, 1],
    run: async (io, v, [ref]) => {
      const { triageCommand } = await import("./commands/findings.ts");
      await triageCommand(io, ref ?? "", {
        ...pick(v, ["api", "token", "owner", "reason"]),
        falsePositive: flag(v, "false-positive"),
        mitigated: flag(v, "mitigated"),
        reopen: flag(v, "reopen"),
        json: flag(v, "json"),
      });
    },
  },
  exceptions: {
    usage: [
      "aspm exceptions request|approve|reject|list|show …",
      "Risk exceptions, approved by someone other than the requester (the token's subject acts).",
    ],
    subcommands: Object.fromEntries(
      (
        [
          [
            "request",
            [
              "aspm exceptions request (--finding APP:ID | --cve CVE | --rule RULE --app APP) --reason TEXT",
              "                        [--days N | --expires DATE] [--json]",
            ],
            0,
          ],
          ["approve", ["aspm exceptions approve ID [--note TEXT] [--json]"], 1],
          ["reject", ["aspm exceptions reject ID [--note TEXT] [--json]"], 1],
          [
            "list",
            ["aspm exceptions list [--state requested,approved,active,review,rejected,expired] [--json]"],
            0,
          ],
          ["show", ["aspm exceptions show ID [--json]"], 1],
        ] as const
      ).map(([action, usage, count]): [string, Command] => [
        action,
        {
          usage: [...usage, API_USAGE],
          options: {
            ...API_OPTIONS,
            finding: { type: "string" },
            cve: { type: "string" },
            rule: { type: "string" },
            app: { type: "string" },
            reason: { type: "string" },
            note: { type: "string" },
            expires: { type: "string" },
            days: { type: "string" },
            state: { type: "string" },
            json: { type: "boolean" },
          },
          args: [count, count],
          run: async (io, v, [id]) => {
            const { exceptionsCommand } = await import("./commands/exceptions.ts");
            await exceptionsCommand(io, action, id, {
              ...pick(v, [
                "api",
                "token",
                "finding",
                "cve",
                "rule",
                "app",
                "reason",
                "note",
                "expires",
                "days",
                "state",
              ]),
              json: flag(v, "json"),
            });
          },
        },
      ]),
    ),
  },
  token: {
    usage: [
      "aspm token create|list|revoke …",
      "API tokens (admin): scoped, optionally expiring, revocable at once.",
    ],
    subcommands: Object.fromEntries(
      (
        [
          [
            "create",
            [
              "aspm token create --subject WHO --scope SCOPE [--days N | --expires DATE] [--json]",
              "SCOPE: upload:APP-GLOB (CI), read:TEAM, triage:TEAM (TEAM may be *), or admin.",
            ],
            0,
          ],
          ["list", ["aspm token list [--json]"], 0],
          ["revoke", ["aspm token revoke ID"], 1],
        ] as const
      ).map(([action, usage, count]): [string, Command] => [
        action,
        {
          usage: [...usage, API_USAGE],
          options: {
            ...API_OPTIONS,
            subject: { type: "string" },
            scope: { type: "string" },
            expires: { type: "string" },
            days: { type: "string" },
            json: { type: "boolean" },
          },
          args: [count, count],
          run: async (io, v, [id]) => {
            const { tokenCommand } = await import("./commands/token.ts");
            await tokenCommand(io, action, id, {
              ...pick(v, ["api", "token", "subject", "scope", "expires", "days"]),
              json: flag(v, "json"),
            });
          },
        },
      ]),
    ),
  },
  parse: {
    usage: [
      "aspm parse FILE [--format F] [--json]",
      "Parses a report here (no AWS) and summarises it, or prints it as JSON.",
    ],
    options: { format: { type: "string" }, json: { type: "boolean" } },
    args: [1, 1],
    run: async (io, v, [file]) => {
      const { parseCommand } = await import("./commands/parse.ts");
      parseCommand(io, file ?? "", { ...pick(v, ["format"]), json: flag(v, "json") });
    },
  },
  formats: {
    usage: ["aspm formats", "The report formats aspm reads."],
    args: [0, 0],
    run: async (io) => {
      const { formatsCommand } = await import("./commands/parse.ts");
      formatsCommand(io);
    },
  },
  correlate: {
    usage: [
      "aspm correlate --app APP FILE... [--json] [--context apps.yaml] [--intel DIR] [--format F]",
      "Parses, correlates and scores reports in memory (no AWS).",
    ],
    options: {
      app: { type: "string" },
      json: { type: "boolean" },
      context: { type: "string" },
      intel: { type: "string" },
      format: { type: "string" },
    },
    args: [1, 1000],
    run: async (io, v, files) => {
      const app = str(v, "app");
      if (!app) throw new CliError("aspm correlate needs --app APP", 2);
      const { correlateCommand } = await import("./commands/correlate.ts");
      await correlateCommand(io, files, {
        app,
        json: flag(v, "json"),
        context: str(v, "context"),
        intel: str(v, "intel"),
        format: str(v, "format"),
      });
    },
  },
  dev: {
    usage: [
      "aspm dev [--memory] [--port N] [--online]",
      "The local stack until Ctrl-C: API on http://127.0.0.1:3780, data and the admin token in .aspm/.",
      "Offline: intel is the bundled KEV snapshot. --online fetches the public KEV and EPSS feeds.",
    ],
    options: { memory: { type: "boolean" }, port: { type: "string" }, online: { type: "boolean" } },
    args: [0, 0],
    run: async (io, v) => {
      const port = str(v, "port");
      if (port !== undefined && !/^\d{1,5}$/.test(port))
        throw new CliError(`--port ${port} is not a port number`, 2);
      const { devCommand } = await import("./commands/dev.ts");
      await devCommand(io, {
        memory: flag(v, "memory"),
        online: flag(v, "online"),
        ...(port ? { port: Number(port) } : {}),
      });
    },
  },
  run: {
    usage: [
      "aspm run ticket-sync|posture|digest|intel [--online]",
      "Runs a scheduled job now, against the `aspm dev` running here (intel --online: the public feeds).",
    ],
    options: { online: { type: "boolean" } },
    args: [1, 1],
    run: async (io, v, [job]) => {
      const { runCommand } = await import("./commands/dev.ts");
      await runCommand(io, job ?? "", { online: flag(v, "online") });
    },
  },
  catalog: {
    usage: [
      "aspm catalog push FILE [--source NAME] [--json]",
      "Pushes a catalog: our YAML (apps, systems, components, groups, routing) or Backstage",
      "catalog-info.yaml documents (Component, System, Group). A push replaces what the same source",
      "said before; the source defaults to the format (aspm or backstage).",
      API_USAGE,
    ],
    options: { ...API_OPTIONS, source: { type: "string" }, json: { type: "boolean" } },
    args: [2, 2],
    run: async (io, v, [action, file]) => {
      if (action !== "push" || !file) throw new CliError("usage: aspm catalog push FILE [--source NAME]", 2);
      const { catalogPushCommand } = await import("./commands/catalog.ts");
      await catalogPushCommand(io, file, { ...pick(v, ["source", "api", "token"]), json: flag(v, "json") });
    },
  },
  dlq: {
    usage: [
      "aspm dlq list|replay [--queue normalize|correlate] [--scan ID] [--stack NAME] [--json]",
      "Dead-letter queues of the `aspm dev` running here, or of a deployed stack (--stack, AWS credentials).",
      "replay is idempotent: a replayed message for a processed scan changes nothing.",
    ],
    options: {
      queue: { type: "string" },
      scan: { type: "string" },
      stack: { type: "string" },
      json: { type: "boolean" },
    },
    args: [1, 1],
    run: async (io, v, [action]) => {
      const { dlqCommand } = await import("./commands/dlq.ts");
      await dlqCommand(io, action, { ...pick(v, ["queue", "scan", "stack"]), json: flag(v, "json") });
    },
  },
  "kev-snapshot": {
    usage: [
      "aspm kev-snapshot KEV.json [--out FILE]",
      "Compacts a CISA KEV catalog file into the dated snapshot aspm ships as its offline default",
      "(shared/intel/kev-snapshot.json unless --out; npm run intel:snapshot -- KEV.json).",
    ],
    options: { out: { type: "string" } },
    args: [1, 1],
    run: async (io, v, [file]) => {
      const { kevSnapshotCommand } = await import("./commands/kev-snapshot.ts");
      kevSnapshotCommand(io, file ?? "", pick(v, ["out"]));
    },
  },
  demo: {
    usage: ["aspm demo", "The whole pipeline on a throwaway local stack, then a summary (npm run demo)."],
    args: [0, 0],
    run: async (io) => {
      const { demoCommand } = await import("./commands/demo.ts");
      await demoCommand(io);
    },
  },
  "digest-preview": {
    usage: [
      "aspm digest-preview [DIR]",
      "The leader and team digests of a seeded 12-week portfolio, as HTML and PNG (npm run digest:preview).",
    ],
    args: [0, 1],
    run: async (io, _v, [dir]) => {
      const { digestPreviewCommand } = await import("./commands/digest-preview.ts");
      digestPreviewCommand(io, dir);
    },
  },
  bench: {
    usage: [
      "aspm bench [MEASURE...] [--measure NAME]",
      "The performance budgets as BENCH lines (npm run bench).",
    ],
    // --bad-input and --correlate-child: one case in a child process the bench spawns (internal)
    options: {
      measure: { type: "string" },
      "bad-input": { type: "string" },
      "correlate-child": { type: "string" },
    },
    args: [0, 100],
    run: async (io, v, names) => {
      const { benchCommand } = await import("./bench/bench.ts");
      const passOn = (["measure", "bad-input", "correlate-child"] as const).flatMap((name) => {
        const value = str(v, name);
        return value === undefined ? [] : [`--${name}`, value];
      });
      await benchCommand(io, [...names, ...passOn]);
    },
  },
};

const HELP = [
  "aspm: application security posture management",
  "",
  "Usage:",
  ...Object.values(COMMANDS).map((c) => `  ${c.usage[0]}`),
  "",
  "`aspm COMMAND --help` for a command's options.",
  "Exit codes: 0 ok, 1 failure, 2 bad input or usage, 3 gate blocked.",
];

function printUsage(io: CliIo, lines: readonly string[]): void {
  for (const line of lines) io.out(line);
}

function usageError(path: string, message: string): CliError {
  return new CliError(`${path}: ${message} (see ${path} --help)`, 2);
}

async function main(io: CliIo, argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h")
    return printUsage(io, HELP);
  let command = COMMANDS[name];
  let path = `aspm ${name}`;
  let args = rest;
  if (!command) throw new CliError(`aspm: unknown command ${name} (see aspm --help)`, 2);
  if (command.subcommands) {
    const [sub, ...subArgs] = args;
    if (sub === undefined || sub === "--help" || sub === "-h") return printUsage(io, command.usage);
    const next = command.subcommands[sub];
    if (!next) throw usageError(path, `unknown subcommand ${sub}`);
    command = next;
    path = `${path} ${sub}`;
    args = subArgs;
  }
  // --help wins over everything else on the line, and runs nothing
  if (args.includes("--help") || args.includes("-h")) return printUsage(io, command.usage);
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args, options: command.options ?? {}, allowPositionals: true, strict: true }) as {
      values: Values;
      positionals: string[];
    };
  } catch (error) {
    // node's messages add a hint about `--` that does not help here: keep the first sentence
    throw usageError(path, (error as Error).message.split(/\.\s|\n/)[0] ?? "invalid arguments");
  }
  const [min, max] = command.args ?? [0, 0];
  if (parsed.positionals.length < min)
    throw usageError(path, `missing argument (usage: ${command.usage[0]})`);
  if (parsed.positionals.length > max)
    throw usageError(path, `unexpected argument ${parsed.positionals[max]}`);
  await command.run?.(io, parsed.values, parsed.positionals);
}

/** One line for any failure; the exit code says what kind. */
export function failureOf(error: unknown): { message: string; code: number } {
  if (error instanceof CliError) return { message: error.message, code: error.exitCode };
  if (error instanceof ApiError) return { message: error.message, code: 1 };
  const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
  return { message: `aspm: ${message}`, code: 1 };
}

export async function runCli(io: CliIo, argv: string[]): Promise<number> {
  try {
    await main(io, argv);
    return 0;
  } catch (error) {
    const { message, code } = failureOf(error);
    io.err(message);
    if (process.env.ASPM_DEBUG === "1" && error instanceof Error && error.stack)
      for (const line of error.stack.split("\n")) io.err(line);
    return code;
  }
}

if (process.argv[1] && /bin\.mjs$|main\.ts$/.test(process.argv[1])) {
  stopQuietlyWhenReaderLeaves();
  await exitWhenDrained(await runCli(processIo, process.argv.slice(2)));
}
