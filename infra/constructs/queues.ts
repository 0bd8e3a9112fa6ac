import { Duration } from "aws-cdk-lib";
import { Queue, QueueEncryption, type QueueProps } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

/** Every queue: encrypted at rest (SQS managed keys, which EventBridge and Scheduler can send to) and TLS only. */
export const SECURE_QUEUE = {
  encryption: QueueEncryption.SQS_MANAGED,
  enforceSSL: true,
} as const satisfies QueueProps;

/** A dead-letter queue: kept the SQS maximum, 14 days, to leave time to inspect and redrive. */
export function deadLetterQueue(scope: Construct, id: string, props: QueueProps = {}): Queue {
  return new Queue(scope, id, { ...SECURE_QUEUE, retentionPeriod: Duration.days(14), ...props });
}

export interface QueueWithDlqProps {
  readonly fifo?: boolean;
  /** At least the consumer's timeout; AWS advises 6x for Lambda event sources. */
  readonly visibilityTimeout: Duration;
  /** @default 3 */
  readonly maxReceiveCount?: number;
  /** Extra queue settings (the DLQ follows `fifo`). */
  readonly queueProps?: QueueProps;
}

/** A work queue and its DLQ, redriven after `maxReceiveCount` receives: no message is ever lost. */
export class QueueWithDlq extends Construct {
  readonly queue: Queue;
  readonly dlq: Queue;
  /** Receives before redrive: consumers read it (ASPM_MAX_RECEIVE_COUNT) to know their last attempt. */
  readonly maxReceiveCount: number;

  constructor(scope: Construct, id: string, props: QueueWithDlqProps) {
    super(scope, id);
    const fifo = props.fifo ? { fifo: true } : {};
    this.dlq = deadLetterQueue(this, "Dlq", fifo);
    this.maxReceiveCount = props.maxReceiveCount ?? 3;
    this.queue = new Queue(this, "Queue", {
      ...SECURE_QUEUE,
      ...fifo,
      visibilityTimeout: props.visibilityTimeout,
      deadLetterQueue: { queue: this.dlq, maxReceiveCount: this.maxReceiveCount },
      ...props.queueProps,
    });
  }
}
