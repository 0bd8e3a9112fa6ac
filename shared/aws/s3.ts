import { S3Client } from "@aws-sdk/client-s3";

/**
 * The one S3 client. Path-style addressing works on AWS and on every S3 stand-in, so the same
 * code runs in both without a "local" switch; the endpoint comes from AWS_ENDPOINT_URL_S3.
 */
export const s3 = new S3Client({ forcePathStyle: true });
