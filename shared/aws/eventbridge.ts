import { EventBridgeClient } from "@aws-sdk/client-eventbridge";

/** The one EventBridge client; AWS_ENDPOINT_URL_EVENTBRIDGE points it at the local bus. */
export const eventBridge = new EventBridgeClient({});
