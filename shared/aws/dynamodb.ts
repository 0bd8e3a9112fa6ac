import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/**
 * The one DynamoDB client, built at module scope so a warm Lambda reuses its connections.
 * Endpoint and region come from the SDK's own configuration (AWS_ENDPOINT_URL_DYNAMODB locally).
 */
export const dynamodb = new DynamoDBClient({});

export const documentClient = DynamoDBDocumentClient.from(dynamodb, {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});
