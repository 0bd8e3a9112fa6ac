import { Duration } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { PipelineFunction } from "./pipeline-function.ts";

export interface AlarmsProps {
  /** Dead-letter queues by a short name: any message in one is work that did not get done. */
  readonly deadLetterQueues: Record<string, IQueue>;
  readonly functions: readonly PipelineFunction[];
  /** Window for function errors. @default 5 minutes */
  readonly errorPeriod?: Duration;
  /** Custom metrics that must stay at zero, by a short name (e.g. ticket sync failures). */
  readonly metricAlarms?: Record<
    string,
    { readonly metric: IMetric; readonly description: string; readonly evaluationPeriods?: number }
  >;
  /** Subscribes this address to the topic (it must confirm the subscription email once). */
  readonly email?: string;
}

/**
 * Alarms (DESIGN §2: every queue has a DLQ and an alarm): a message in any DLQ, and any error of
 * any function, and custom failure metrics, notify one SNS topic, which `email` subscribes to.
 */
export class Alarms extends Construct {
  readonly topic: Topic;
  readonly dlqAlarms: Record<string, Alarm> = {};
  readonly errorAlarms: Record<string, Alarm> = {};
  readonly metricAlarms: Record<string, Alarm> = {};

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    // A customer managed key: CloudWatch cannot publish to a topic under the AWS managed aws/sns
    // key, whose policy it may not use.
    const key = new Key(this, "TopicKey", {
      description: "aspm: alarm topic encryption",
      enableKeyRotation: true,
    });
    key.grant(new ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*");
    this.topic = new Topic(this, "Topic", {
      displayName: "aspm alarms",
      masterKey: key,
      enforceSSL: true,
    });
    const action = new SnsAction(this.topic);
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));

    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      const alarm = new Alarm(this, `${name}DlqAlarm`, {
        alarmDescription: `aspm: messages in the ${name} dead-letter queue (work that failed every retry)`,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: "Maximum",
        }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
      this.dlqAlarms[name] = alarm;
    }

    for (const fn of props.functions) {
      const alarm = new Alarm(this, `${fn.node.id}ErrorsAlarm`, {
        alarmDescription: `aspm: ${fn.functionName} function errors`,
        metric: fn.fn.metricErrors({ period: props.errorPeriod ?? Duration.minutes(5), statistic: "Sum" }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
      this.errorAlarms[fn.functionName] = alarm;
    }

    for (const [name, spec] of Object.entries(props.metricAlarms ?? {})) {
      const alarm = new Alarm(this, `${name}Alarm`, {
        alarmDescription: `aspm: ${spec.description}`,
        metric: spec.metric,
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: spec.evaluationPeriods ?? 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
      this.metricAlarms[name] = alarm;
    }
  }
}
