import type { S3Client } from '@aws-sdk/client-s3';
import { TsiotError } from '../../../core/errors.js';

/** Server-side encryption asked of S3 for every object tsiot writes. */
export interface S3Encryption {
  /** "AES256" (SSE-S3) or "aws:kms" (SSE-KMS). */
  mode: 'AES256' | 'aws:kms';
  /** For aws:kms: the KMS key id or ARN (default: the bucket's AWS-managed key). */
  kmsKeyId?: string;
}

/** Commands that create objects: the ones S3 takes the encryption headers on (not UploadPart). */
const CREATING = new Set(['PutObjectCommand', 'CreateMultipartUploadCommand', 'CopyObjectCommand']);

/** `sse` and `sseKmsKeyId` of an s3:// URL. */
export function parseS3Encryption(params: URLSearchParams): S3Encryption | undefined {
  const mode = params.get('sse');
  const kmsKeyId = params.get('sseKmsKeyId') ?? undefined;
  if (mode === null) {
    if (kmsKeyId !== undefined)
      throw new TsiotError('invalid_input', 'storage: sseKmsKeyId needs sse=aws:kms', {
        details: { field: 'sse', example: 's3://bucket/prefix?sse=aws:kms&sseKmsKeyId=alias/tsiot' },
      });
    return undefined;
  }
  if (mode !== 'AES256' && mode !== 'aws:kms')
    throw new TsiotError('invalid_input', `storage: sse must be "AES256" or "aws:kms", got "${mode.slice(0, 40)}"`, {
      details: { field: 'sse', example: 's3://bucket/prefix?sse=AES256' },
    });
  if (kmsKeyId !== undefined && mode !== 'aws:kms')
    throw new TsiotError('invalid_input', 'storage: sseKmsKeyId needs sse=aws:kms', {
      details: { field: 'sseKmsKeyId', example: 's3://bucket/prefix?sse=aws:kms&sseKmsKeyId=alias/tsiot' },
    });
  return { mode, ...(kmsKeyId ? { kmsKeyId } : {}) };
}

/**
 * Ask S3 to encrypt every object this client creates: the encryption
 * parameters are added to each creating command in the SDK's middleware, so
 * no write path can forget them.
 */
export function requestServerSideEncryption(client: S3Client, sse: S3Encryption): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (CREATING.has(context.commandName ?? '')) {
        const input = args.input as Record<string, unknown>;
        input.ServerSideEncryption = sse.mode;
        if (sse.kmsKeyId) input.SSEKMSKeyId = sse.kmsKeyId;
      }
      return next(args);
    },
    { step: 'initialize', name: 'tsiotServerSideEncryption' },
  );
}
