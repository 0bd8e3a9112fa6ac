import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";

/** The custom metrics namespace, and the metric names that alarms watch (infra reads the same names). */
export const METRICS_NAMESPACE = "aspm";
export const METRIC = {
  /** Ticket groups a sync could not push (tracker outage, rejected request). */
  ticketGroupsFailed: "ticket_groups_failed",
  /** The tracker rejected our credentials: the run stopped. */
  trackerAuthFailures: "tracker_auth_failures",
  /** Jira webhook deliveries refused (bad or missing signature). */
  webhookRejected: "jira_webhook_rejected",
} as const;

/**
 * One logger and one metrics emitter per function, configured the same way everywhere: JSON
 * logs with the Lambda context, EMF metrics in the `aspm` namespace. Never log a finding's secret
 * fields; parsers have already reduced secrets to hashes.
 */
export function observability(serviceName: string): { logger: Logger; metrics: Metrics } {
  const logger = new Logger({ serviceName });
  // "no metrics to publish" is expected for runs that found nothing to count: debug, not warn
  const metricsLogger = {
    debug: (...args: unknown[]) => logger.debug(String(args[0] ?? "")),
    info: (...args: unknown[]) => logger.info(String(args[0] ?? "")),
    warn: (...args: unknown[]) => logger.debug(String(args[0] ?? "")),
    error: (...args: unknown[]) => logger.error(String(args[0] ?? "")),
  };
  return {
    logger,
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName, logger: metricsLogger }),
  };
}

export { MetricUnit } from "@aws-lambda-powertools/metrics";
