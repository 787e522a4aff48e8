import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseS3Url } from '../../../../src/engines/storage/s3/index.js';
import { requestServerSideEncryption } from '../../../../src/engines/storage/s3/sse.js';
import { ObjectUpload } from '../../../../src/engines/storage/s3/upload.js';

/**
 * No S3 server runs here, so a local HTTP server answers as S3 does and
 * records what the SDK really sent: the encryption headers must be on every
 * request that creates an object, and on no part upload.
 */
const seen: { method: string; url: string; headers: IncomingHttpHeaders }[] = [];
let server: Server;
let endpoint = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      const url = new URL(req.url ?? '/', 'http://x');
      res.setHeader('ETag', '"etag-1"');
      if (req.method === 'POST' && url.searchParams.has('uploads')) {
        res.setHeader('Content-Type', 'application/xml');
        res.end(
          '<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>up-1</UploadId></InitiateMultipartUploadResult>',
        );
      } else if (req.method === 'POST' && url.searchParams.has('uploadId')) {
        res.setHeader('Content-Type', 'application/xml');
        res.end('<CompleteMultipartUploadResult><ETag>"etag-2"</ETag></CompleteMultipartUploadResult>');
      } else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function clientFor(query: string): S3Client {
  const config = parseS3Url(`s3://key:secret@bucket/tsiot?endpoint=${encodeURIComponent(endpoint)}${query}`);
  const client = new S3Client(config.client);
  if (config.encryption) requestServerSideEncryption(client, config.encryption);
  return client;
}

describe('S3 server-side encryption', () => {
  it('asks for SSE-KMS with the key id on a single PutObject', async () => {
    seen.length = 0;
    const upload = new ObjectUpload(
      clientFor('&sse=aws:kms&sseKmsKeyId=alias/tsiot'),
      'bucket',
      'a.csv',
      'text/csv',
      1 << 20,
    );
    await upload.write(Buffer.from('timestamp,v\n1,2\n'));
    await upload.end();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.method).toBe('PUT');
    expect(seen[0]!.headers['x-amz-server-side-encryption']).toBe('aws:kms');
    expect(seen[0]!.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe('alias/tsiot');
  });

  it('asks for SSE-S3 when the multipart upload is created, and not on the parts', async () => {
    seen.length = 0;
    const upload = new ObjectUpload(clientFor('&sse=AES256'), 'bucket', 'big.csv', 'text/csv', 8);
    await upload.write(Buffer.from('0123456789abcdefghij'));
    await upload.end();
    const create = seen.find((r) => r.method === 'POST' && r.url.includes('uploads'));
    expect(create?.headers['x-amz-server-side-encryption']).toBe('AES256');
    const parts = seen.filter((r) => r.method === 'PUT');
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.headers['x-amz-server-side-encryption']).toBeUndefined();
  });

  it('sends no encryption header unless asked, and refuses unknown modes by name', async () => {
    seen.length = 0;
    const upload = new ObjectUpload(clientFor(''), 'bucket', 'plain.csv', 'text/csv', 1 << 20);
    await upload.write(Buffer.from('x'));
    await upload.end();
    expect(seen[0]!.headers['x-amz-server-side-encryption']).toBeUndefined();
    expect(() => parseS3Url('s3://bucket/p?sse=rot13')).toThrow(/sse must be "AES256" or "aws:kms"/);
    expect(() => parseS3Url('s3://bucket/p?sse=AES256&sseKmsKeyId=k')).toThrow(/sseKmsKeyId needs sse=aws:kms/);
  });
});
