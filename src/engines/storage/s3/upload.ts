/**
 * An object upload fed in chunks: one PutObject when the whole object fits in
 * one part, else a multipart upload (parts of `partSize` bytes, at least the
 * S3 minimum of 5 MiB) that is aborted when anything fails, so no half object
 * is ever visible.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

export const MIN_PART_BYTES = 5 * 1024 * 1024;

export interface UploadResult {
  key: string;
  bytes: number;
  /** Parts used (1 for a single PutObject). */
  parts: number;
}

export class ObjectUpload {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private total = 0;
  private uploadId: string | undefined;
  private readonly parts: { ETag: string; PartNumber: number }[] = [];

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    readonly key: string,
    private readonly contentType: string,
    private readonly partSize: number,
  ) {}

  /** Add bytes; uploads a part whenever a full one is buffered. */
  async write(chunk: Uint8Array): Promise<void> {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.total += chunk.length;
    while (this.pendingBytes >= this.partSize) await this.uploadPart(this.take(this.partSize));
  }

  /** Finish the object: the remaining bytes as the last part, or the whole object in one PutObject. */
  async end(): Promise<UploadResult> {
    if (this.uploadId === undefined) {
      const body = this.take(this.pendingBytes);
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key,
          Body: body,
          ContentType: this.contentType,
          ContentLength: body.length,
        }),
      );
      return { key: this.key, bytes: this.total, parts: 1 };
    }
    if (this.pendingBytes > 0) await this.uploadPart(this.take(this.pendingBytes));
    await this.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: this.key,
        UploadId: this.uploadId,
        MultipartUpload: { Parts: this.parts },
      }),
    );
    return { key: this.key, bytes: this.total, parts: this.parts.length };
  }

  /** Abandon a multipart upload (its parts are discarded by the server). */
  async abort(): Promise<void> {
    if (this.uploadId === undefined) return;
    await this.client.send(
      new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId }),
    );
  }

  private take(bytes: number): Buffer {
    const all = Buffer.concat(this.pending);
    this.pending = bytes < all.length ? [all.subarray(bytes)] : [];
    this.pendingBytes = all.length - bytes;
    return all.subarray(0, bytes);
  }

  private async uploadPart(body: Buffer): Promise<void> {
    if (this.uploadId === undefined) {
      const created = await this.client.send(
        new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, ContentType: this.contentType }),
      );
      this.uploadId = created.UploadId!;
    }
    const PartNumber = this.parts.length + 1;
    const res = await this.client.send(
      new UploadPartCommand({
        Bucket: this.bucket,
        Key: this.key,
        UploadId: this.uploadId,
        PartNumber,
        Body: body,
        ContentLength: body.length,
      }),
    );
    this.parts.push({ ETag: res.ETag!, PartNumber });
  }
}
