import { gunzipSync, gzipSync } from "node:zlib";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";

/** What every object access needs: the client and the bucket. */
export interface BucketRef {
  client: S3Client;
  bucketName: string;
}

export class ObjectTooLargeError extends Error {
  override readonly name = "ObjectTooLargeError";
}

/** S3's "there is no such object" (GetObject says NoSuchKey, HeadObject NotFound). */
export function isNoSuchKey(error: unknown): boolean {
  return error instanceof Error && (error.name === "NotFound" || error.name === "NoSuchKey");
}

export async function headObjectSize(bucket: BucketRef, key: string): Promise<number | undefined> {
  try {
    const out = await bucket.client.send(new HeadObjectCommand({ Bucket: bucket.bucketName, Key: key }));
    return out.ContentLength;
  } catch (error) {
    if (isNoSuchKey(error)) return undefined;
    throw error;
  }
}

export interface ObjectVersion {
  etag?: string;
  versionId?: string;
}

/**
 * Reads an object whole, refusing anything above `maxBytes` before downloading it. With `version`
 * it reads exactly that upload (its version id on a versioned bucket, else only while the ETag
 * still matches), and says which one it read.
 */
export async function getObjectBytes(
  bucket: BucketRef,
  key: string,
  maxBytes: number,
  version: ObjectVersion = {},
): Promise<{ bytes: Uint8Array; version: ObjectVersion }> {
  const out = await bucket.client.send(
    new GetObjectCommand({
      Bucket: bucket.bucketName,
      Key: key,
      ...(version.versionId
        ? { VersionId: version.versionId }
        : version.etag
          ? { IfMatch: version.etag }
          : {}),
    }),
  );
  if (out.ContentLength !== undefined && out.ContentLength > maxBytes) {
    out.Body?.transformToWebStream()
      .cancel()
      .catch(() => undefined);
    throw new ObjectTooLargeError(
      `object ${key} is ${out.ContentLength} bytes, above the ${maxBytes} byte cap`,
    );
  }
  if (!out.Body) throw new Error(`object ${key} has no body`);
  const bytes = await out.Body.transformToByteArray();
  if (bytes.byteLength > maxBytes)
    throw new ObjectTooLargeError(`object ${key} is above the ${maxBytes} byte cap`);
  return {
    bytes,
    version: {
      ...(out.ETag ? { etag: out.ETag } : {}),
      ...(out.VersionId ? { versionId: out.VersionId } : {}),
    },
  };
}

/** S3's "the object changed since" (IfMatch failed): another upload replaced it. */
export function isPreconditionFailed(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === "PreconditionFailed" ||
      (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412)
  );
}

export async function putJsonGz(bucket: BucketRef, key: string, value: unknown): Promise<number> {
  const body = gzipSync(Buffer.from(JSON.stringify(value)), { level: 6 });
  await bucket.client.send(
    new PutObjectCommand({
      Bucket: bucket.bucketName,
      Key: key,
      Body: body,
      ContentType: "application/json",
      ContentEncoding: "gzip",
    }),
  );
  return body.byteLength;
}

/** Reads a gzipped JSON object we wrote ourselves; the caller validates the shape with zod. */
export async function getJsonGz(bucket: BucketRef, key: string): Promise<unknown> {
  const out = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.bucketName, Key: key }));
  if (!out.Body) throw new Error(`object ${key} has no body`);
  const bytes = await out.Body.transformToByteArray();
  const plain = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : Buffer.from(bytes);
  return JSON.parse(plain.toString("utf8"));
}

export async function putText(bucket: BucketRef, key: string, text: string): Promise<void> {
  await bucket.client.send(
    new PutObjectCommand({
      Bucket: bucket.bucketName,
      Key: key,
      Body: Buffer.from(text),
      ContentType: "text/plain; charset=utf-8",
    }),
  );
}
