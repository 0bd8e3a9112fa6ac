import { type CfnElement, Stack, Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/**
 * cdk-nag acknowledgements (cdk-nag 3 uses CDK's native `Validations.of(x).acknowledge`; the v2
 * `NagSuppressions` API is gone). Every acknowledgement names one rule, or one finding of a rule,
 * and says why: call these next to the code that creates the flagged resource or grant.
 */
export function acknowledgeNag(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-${rule}`, reason });
}

/** One IAM5 finding, e.g. `Resource::<Table1234.Arn>/index/*` or `Action::s3:Abort*`. */
export function acknowledgeWildcard(scope: IConstruct, finding: string, reason: string): void {
  acknowledgeNag(scope, `IAM5[${finding}]`, reason);
}

/**
 * How cdk-nag prints `{"Fn::GetAtt": [logicalId, attribute]}` in a finding id: `<logicalId.attribute>`.
 * Computed from the construct so that an acknowledgement follows the resource if its id changes.
 */
export function nagAttRef(resource: IConstruct, attribute = "Arn"): string {
  const element = resource.node.defaultChild as CfnElement | undefined;
  if (!element) throw new Error(`${resource.node.path} has no CloudFormation resource`);
  return `<${Stack.of(resource).getLogicalId(element)}.${attribute}>`;
}
