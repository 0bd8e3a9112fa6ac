import { type ParseArgsConfig, parseArgs } from "node:util";
import { CliError, processIo } from "./io.ts";

const HELP = `aspm: application security posture management

Usage:
  aspm upload FILE --app APP [--tool T] [--format F] [--branch B] [--commit SHA] [--commit-time ISO]
                   [--target T] [--repo R] [--codeowners FILE] [--wait]
                                                        upload a scanner report (ASPM_API_URL, ASPM_API_TOKEN)
  aspm status SCAN_ID [--json]                          a scan's status and counts
  aspm catalog push FILE [--source NAME]                push a catalog (our YAML or Backstage catalog-info.yaml)
  aspm parse FILE [--format F] [--json]                 parse a report locally (no AWS)
  aspm formats                                          the report formats aspm reads
  aspm correlate --app APP FILE... [--json] [--context apps.yaml] [--intel DIR]
                                                        correlate (and score) reports in memory
  aspm dev [--memory] [--port N]                        run the local stack (npm start)
  aspm run ticket-sync|posture|digest|intel             run a job against the running local stack
  aspm exceptions request (--finding ID --app A | --cve CVE | --rule R --app A) --reason TEXT
                   --requester WHO [--days N | --expires DATE]
  aspm exceptions approve|reject ID --by WHO [--note TEXT]
  aspm exceptions list [--state requested,active,…] [--json]
                                                        risk exceptions on the running local stack
  aspm dlq list|replay [--queue normalize|correlate] [--scan ID] [--stack NAME] [--json]
                                                        dead-letter queues of aspm dev, or of a deployed stack
  aspm demo                                             the end-to-end demo (npm run demo)
  aspm bench                                            performance benchmarks (npm run bench)
  aspm digest-preview [DIR]                             digests of a seeded 12-week portfolio as HTML + PNG

Exit codes: 0 ok, 1 failure, 2 bad input or usage.`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const io = processIo;
  const parse = (options: NonNullable<ParseArgsConfig["options"]>) =>
    parseArgs({ args: rest, options, allowPositionals: true, strict: true });
  switch (command) {
    case undefined:
    case "help":
    case "--help":
    case "-h":
      io.out(HELP);
      return;
    case "parse": {
      const { values, positionals } = parse({ format: { type: "string" }, json: { type: "boolean" } });
      const file = positionals[0];
      if (!file) throw new CliError("usage: aspm parse FILE [--format F] [--json]", 2);
      const { parseCommand } = await import("./commands/parse.ts");
      parseCommand(io, file, {
        format: values.format as string | undefined,
        json: values.json as boolean | undefined,
      });
      return;
    }
    case "formats": {
      const { formatsCommand } = await import("./commands/parse.ts");
      formatsCommand(io);
      return;
    }
    case "correlate": {
      const { values, positionals } = parse({
        app: { type: "string" },
        json: { type: "boolean" },
        context: { type: "string" },
        intel: { type: "string" },
        format: { type: "string" },
      });
      if (!values.app) throw new CliError("usage: aspm correlate --app APP FILE... [--json]", 2);
      const { correlateCommand } = await import("./commands/correlate.ts");
      await correlateCommand(io, positionals, {
        app: String(values.app),
        json: values.json as boolean | undefined,
        context: values.context as string | undefined,
        intel: values.intel as string | undefined,
        format: values.format as string | undefined,
      });
      return;
    }
    case "upload": {
      const { values, positionals } = parse({
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
        api: { type: "string" },
        token: { type: "string" },
      });
      const file = positionals[0];
      if (!file || !values.app) throw new CliError("usage: aspm upload FILE --app APP [--wait]", 2);
      const str = (k: string) => (typeof values[k] === "string" ? (values[k] as string) : undefined);
      const { uploadCommand } = await import("./commands/upload.ts");
      await uploadCommand(io, file, {
        app: String(values.app),
        ...(str("tool") ? { tool: str("tool") } : {}),
        ...(str("format") ? { format: str("format") } : {}),
        ...(str("branch") ? { branch: str("branch") } : {}),
        ...(str("commit") ? { commit: str("commit") } : {}),
        ...(str("commit-time") ? { commitTime: str("commit-time") } : {}),
        ...(str("target") ? { target: str("target") } : {}),
        ...(str("repo") ? { repo: str("repo") } : {}),
        ...(str("codeowners") ? { codeownersFile: str("codeowners") } : {}),
        ...(str("api") ? { api: str("api") } : {}),
        ...(str("token") ? { token: str("token") } : {}),
        wait: values.wait === true,
      });
      return;
    }
    case "status": {
      const { values, positionals } = parse({
        json: { type: "boolean" },
        api: { type: "string" },
        token: { type: "string" },
      });
      if (!positionals[0]) throw new CliError("usage: aspm status SCAN_ID", 2);
      const { statusCommand } = await import("./commands/upload.ts");
      await statusCommand(io, positionals[0], {
        json: values.json === true,
        ...(typeof values.api === "string" ? { api: values.api } : {}),
        ...(typeof values.token === "string" ? { token: values.token } : {}),
      });
      return;
    }
    case "catalog": {
      const [action, ...args] = rest;
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: {
          source: { type: "string" },
          json: { type: "boolean" },
          api: { type: "string" },
          token: { type: "string" },
          help: { type: "boolean", short: "h" },
        },
      });
      const { CATALOG_USAGE, catalogPushCommand } = await import("./commands/catalog.ts");
      if (values.help || action === "--help" || action === "-h") {
        io.out(CATALOG_USAGE);
        return;
      }
      if (action !== "push" || !positionals[0]) throw new CliError(CATALOG_USAGE, 2);
      await catalogPushCommand(io, positionals[0], {
        ...(typeof values.source === "string" ? { source: values.source } : {}),
        ...(typeof values.api === "string" ? { api: values.api } : {}),
        ...(typeof values.token === "string" ? { token: values.token } : {}),
        json: values.json === true,
      });
      return;
    }
    case "dev": {
      const { values } = parse({ memory: { type: "boolean" }, port: { type: "string" } });
      const { devCommand } = await import("./commands/dev.ts");
      await devCommand(io, {
        memory: values.memory === true,
        ...(values.port ? { port: Number(values.port) } : {}),
      });
      return;
    }
    case "run": {
      if (!rest[0]) throw new CliError("usage: aspm run ticket-sync|posture|digest|intel", 2);
      const { runCommand } = await import("./commands/dev.ts");
      await runCommand(io, rest[0]);
      return;
    }
    case "exceptions": {
      const [action, ...args] = rest;
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: {
          finding: { type: "string" },
          cve: { type: "string" },
          rule: { type: "string" },
          app: { type: "string" },
          reason: { type: "string" },
          requester: { type: "string" },
          by: { type: "string" },
          note: { type: "string" },
          expires: { type: "string" },
          days: { type: "string" },
          state: { type: "string" },
          json: { type: "boolean" },
        },
      });
      const { exceptionsCommand } = await import("./commands/exceptions.ts");
      const str = (k: keyof typeof values) =>
        typeof values[k] === "string" ? (values[k] as string) : undefined;
      await exceptionsCommand(io, action, positionals[0], {
        finding: str("finding"),
        cve: str("cve"),
        rule: str("rule"),
        app: str("app"),
        reason: str("reason"),
        requester: str("requester"),
        by: str("by"),
        note: str("note"),
        expires: str("expires"),
        days: str("days"),
        state: str("state"),
        json: values.json === true,
      });
      return;
    }
    case "dlq": {
      const [action, ...args] = rest;
      const { values } = parseArgs({
        args,
        strict: true,
        options: {
          queue: { type: "string" },
          scan: { type: "string" },
          stack: { type: "string" },
          json: { type: "boolean" },
        },
      });
      const { dlqCommand } = await import("./commands/dlq.ts");
      await dlqCommand(io, action, {
        ...(values.queue ? { queue: values.queue } : {}),
        ...(values.scan ? { scan: values.scan } : {}),
        ...(values.stack ? { stack: values.stack } : {}),
        json: values.json === true,
      });
      return;
    }
    case "demo": {
      const { demoCommand } = await import("./commands/demo.ts");
      await demoCommand(io);
      return;
    }
    case "digest-preview": {
      const { digestPreviewCommand } = await import("./commands/digest-preview.ts");
      digestPreviewCommand(io, rest[0]);
      return;
    }
    case "bench": {
      const { benchCommand } = await import("./bench/bench.ts");
      await benchCommand(io, rest);
      return;
    }
    default:
      throw new CliError(`unknown command ${command}\n\n${HELP}`, 2);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof CliError) {
      processIo.err(error.message);
      process.exit(error.exitCode);
    }
    processIo.err(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
