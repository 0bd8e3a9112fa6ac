import { RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, BillingMode, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { Construct } from "constructs";
import { TABLE_DEFINITION } from "#shared/store/table";

export interface DataProps {
  /**
   * Keep the table when the stack is deleted, and refuse deletes while it exists.
   * Set false only for throwaway dev stacks.
   * @default true
   */
  readonly retain?: boolean;
  /** A customer managed key; the AWS managed DynamoDB key (aws/dynamodb) otherwise. */
  readonly encryptionKey?: IKey;
}

/**
 * The single table (DESIGN §10), shaped by TABLE_DEFINITION: the same object the local stack uses
 * for CreateTable, so the deployed keys, indexes and TTL cannot drift from the code's.
 */
export class Data extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: DataProps = {}) {
    super(scope, id);
    const retain = props.retain ?? true;
    const d = TABLE_DEFINITION;
    const string = (name: string) => ({ name, type: AttributeType.STRING });

    this.table = new Table(this, "Table", {
      partitionKey: string(d.partitionKey),
      sortKey: string(d.sortKey),
      timeToLiveAttribute: d.ttlAttribute,
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...(props.encryptionKey
        ? { encryption: TableEncryption.CUSTOMER_MANAGED, encryptionKey: props.encryptionKey }
        : { encryption: TableEncryption.AWS_MANAGED }),
      deletionProtection: retain,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    for (const index of d.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: string(index.partitionKey),
        sortKey: string(index.sortKey),
      });
    }
  }
}
