import { SQSClient } from "@aws-sdk/client-sqs";

/** The one SQS client; AWS_ENDPOINT_URL_SQS points it at a stand-in. */
export const sqs = new SQSClient({});
