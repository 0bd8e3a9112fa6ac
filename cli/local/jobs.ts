import type { JobName } from "#shared/events";
import { localContext } from "./queue-poller.ts";

/**
 * Runs a scheduled job's Lambda handler on demand (`aspm run <job>`, the demo, tests), with the
 * event EventBridge Scheduler would send. Imported only after the stack has set the environment.
 */
export async function runJob(name: JobName): Promise<unknown> {
  const event = {
    source: "aws.scheduler",
    "detail-type": "Scheduled Event",
    time: new Date().toISOString(),
    detail: {},
  };
  switch (name) {
    case "ticket-sync":
      return (await import("#functions/ticket-sync/handler")).handler(event, localContext(name));
    case "posture":
      return (await import("#functions/posture/handler")).handler(event, localContext(name));
    case "digest":
      return (await import("#functions/digest/handler")).handler(event, localContext(name));
    case "intel":
      return (await import("#functions/intel/handler")).handler(event, localContext(name));
  }
}
