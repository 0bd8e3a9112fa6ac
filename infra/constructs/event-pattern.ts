import type { EventPattern as CdkEventPattern } from "aws-cdk-lib/aws-events";
import type { EventPattern } from "#shared/event-pattern";

/**
 * Renders a shared rule pattern (shared/events.ts, written in EventBridge's own JSON field names,
 * the form the local bus applies) as a CDK `EventPattern`. CDK spells the top-level envelope
 * fields in camelCase (`detailType`) and renders them back to `detail-type`, so the deployed
 * pattern is the shared object itself; the stack test asserts exactly that.
 */
export function toCdkEventPattern(pattern: EventPattern): CdkEventPattern {
  const rendered: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(pattern)) {
    const key = field.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    rendered[key] = value;
  }
  return rendered as CdkEventPattern;
}
