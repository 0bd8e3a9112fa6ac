import { constants } from "node:buffer";
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

/** Text gzipped per member of about this many chars: memory stays flat however long the JSON is. */
const GZIP_MEMBER_CHARS = 4 * 1024 * 1024;
const ARRAY_BATCH = 256;

/**
 * Text gzipped as it is written, in members of a few MB concatenated (a gzip reader inflates them
 * as one stream), so the whole text is never held. Refuses text longer than V8's longest string,
 * which no reader could decode back.
 */
export class GzipTextWriter {
  private readonly members: Buffer[] = [];
  private pending: string[] = [];
  private pendingChars = 0;
  private total = 0;

  constructor(private readonly maxChars: number = constants.MAX_STRING_LENGTH) {}

  write(text: string): void {
    this.total += text.length;
    if (this.total > this.maxChars)
      throw new ObjectTooLargeError(
        `the JSON is longer than ${this.maxChars} chars, the longest string a reader can decode`,
      );
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars >= GZIP_MEMBER_CHARS) this.flush();
  }

  /** The gzipped text written so far. */
  finish(): Buffer {
    this.flush();
    return Buffer.concat(this.members);
  }

  private flush(): void {
    if (!this.pending.length) return;
    // level 3: as small as 6 on our JSON (measured on a 10k-finding state, 150 vs 152 KB) at half the time
    this.members.push(gzipSync(Buffer.from(this.pending.join("")), { level: 3 }));
    this.pending = [];
    this.pendingChars = 0;
  }
}

/** A few hundred elements a JSON.stringify call: few, short-lived strings. */
function writeElements(out: GzipTextWriter, items: readonly unknown[]): void {
  for (let i = 0; i < items.length; i += ARRAY_BATCH) {
    if (i) out.write(",");
    out.write(JSON.stringify(items.slice(i, i + ARRAY_BATCH)).slice(1, -1));
  }
}

/**
 * Gzipped JSON of a value, the same text `JSON.stringify` writes, without ever holding that text
 * whole: a long array (the findings of a report, at most a million) is written element by element.
 */
export function gzipJson(value: unknown, maxChars?: number): Buffer {
  const out = new GzipTextWriter(maxChars);
  const writeValue = (v: unknown, depth: number): void => {
    if (Array.isArray(v) && depth < 2) {
      out.write("[");
      writeElements(out, v);
      out.write("]");
    } else if (v !== null && typeof v === "object" && depth < 1 && !("toJSON" in v)) {
      out.write("{");
      let first = true;
      for (const [k, item] of Object.entries(v)) {
        if (item === undefined || typeof item === "function" || typeof item === "symbol") continue;
        out.write(`${first ? "" : ","}${JSON.stringify(k)}:`);
        first = false;
        writeValue(item, depth + 1);
      }
      out.write("}");
    } else {
      out.write(JSON.stringify(v) ?? "null");
    }
  };
  writeValue(value, 0);
  return out.finish();
}

/**
 * A JSON object whose array member `key` is written element by element as the elements come
 * (`add`), then the other members (`finish`): the normalized report, written as its findings are
 * parsed, without holding them all.
 */
export class GzipJsonArrayWriter<T> {
  private readonly out: GzipTextWriter;
  private batch: T[] = [];
  private first = true;

  constructor(key: string, maxChars?: number) {
    this.out = new GzipTextWriter(maxChars);
    this.out.write(`{${JSON.stringify(key)}:[`);
  }

  add(item: T): void {
    this.batch.push(item);
    if (this.batch.length >= ARRAY_BATCH) this.flushBatch();
  }

  /** The gzipped object, with `rest`'s members after the array. */
  finish(rest: Record<string, unknown>): Buffer {
    this.flushBatch();
    const tail = JSON.stringify(rest);
    this.out.write(tail === "{}" ? "]}" : `],${tail.slice(1)}`);
    return this.out.finish();
  }

  private flushBatch(): void {
    if (!this.batch.length) return;
    if (!this.first) this.out.write(",");
    this.first = false;
    writeElements(this.out, this.batch);
    this.batch = [];
  }
}

/** Puts bytes we gzipped (gzipJson, GzipJsonArrayWriter) as a JSON object. */
export async function putGzippedJson(bucket: BucketRef, key: string, body: Buffer): Promise<number> {
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

export async function putJsonGz(bucket: BucketRef, key: string, value: unknown): Promise<number> {
  return putGzippedJson(bucket, key, gzipJson(value));
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
