import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TsiotError } from '../../core/errors.js';

/**
 * Encryption at rest of what tsiot writes itself (export files, saved model
 * states): AES-256-GCM from node:crypto under one configured key.
 *
 * Layout: MAGIC (8 bytes) · key id (8 bytes: the first bytes of SHA-256 of
 * the key, so a file written under another key is named as such instead of
 * failing as "damaged") · IV (12 random bytes) · ciphertext · tag (16 bytes).
 * The header is authenticated as additional data. Files are streamed, so an
 * export of any size is encrypted and decrypted in bounded memory.
 *
 * The key never appears in a message, a log line or an error.
 */
export const CIPHER_MAGIC = Buffer.from('TSIOTEN1', 'ascii');
const KEY_ID_BYTES = 8;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = CIPHER_MAGIC.length + KEY_ID_BYTES + IV_BYTES;

/** Where the key is configured, for messages. */
export const ENCRYPTION_KEY_SETTING = 'TSIOT_ENCRYPTION_KEY';

const KEY_EXAMPLE = 'a 32-byte key as 64 hex digits or base64, e.g. from `openssl rand -base64 32`';

/** Read a configured key: 64 hex digits or base64 of exactly 32 bytes. The message never quotes the value. */
export function parseEncryptionKey(text: string, field = ENCRYPTION_KEY_SETTING): Buffer {
  const t = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(t)) key = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) key = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key?.length !== 32)
    throw new TsiotError('invalid_input', `${field}: expected ${KEY_EXAMPLE} (the value given is not one)`, {
      details: { field, example: '$(openssl rand -base64 32)' },
      hint: 'Generate a key with `openssl rand -base64 32` and keep it in a secret store; losing it loses every encrypted file.',
    });
  return key;
}

function cannotDecrypt(what: string, reason: string): TsiotError {
  return new TsiotError('conflict', `${what} cannot be decrypted: ${reason}`, {
    details: { setting: ENCRYPTION_KEY_SETTING },
    hint: `Configure the ${ENCRYPTION_KEY_SETTING} it was written under (keys are never read from the file).`,
  });
}

export class FileCipher {
  private readonly key: Buffer;
  /** Identifies the key in file headers (not the key: a hash prefix of it). */
  readonly keyId: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new TsiotError('invalid_input', `${ENCRYPTION_KEY_SETTING}: expected 32 bytes`);
    this.key = Buffer.from(key);
    this.keyId = createHash('sha256').update(this.key).digest().subarray(0, KEY_ID_BYTES);
  }

  static fromConfig(text: string | undefined): FileCipher | undefined {
    return text ? new FileCipher(parseEncryptionKey(text)) : undefined;
  }

  /** Whether bytes start like a file this class wrote. */
  static isEncrypted(head: Uint8Array): boolean {
    return head.length >= CIPHER_MAGIC.length && CIPHER_MAGIC.equals(head.subarray(0, CIPHER_MAGIC.length));
  }

  private header(): Buffer {
    return Buffer.concat([CIPHER_MAGIC, this.keyId, randomBytes(IV_BYTES)]);
  }

  private checkHeader(header: Buffer, what: string): Buffer {
    if (header.length < HEADER_BYTES || !FileCipher.isEncrypted(header))
      throw cannotDecrypt(what, 'it is not an encrypted tsiot file');
    const keyId = header.subarray(CIPHER_MAGIC.length, CIPHER_MAGIC.length + KEY_ID_BYTES);
    if (!keyId.equals(this.keyId)) throw cannotDecrypt(what, 'it was encrypted under another key');
    return header.subarray(CIPHER_MAGIC.length + KEY_ID_BYTES, HEADER_BYTES);
  }

  /** Encrypt bytes in memory (small documents such as model states). */
  seal(plain: Uint8Array): Buffer {
    const header = this.header();
    const cipher = createCipheriv('aes-256-gcm', this.key, header.subarray(-IV_BYTES));
    cipher.setAAD(header);
    return Buffer.concat([header, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  }

  /** Decrypt what seal wrote; a clear conflict for another key or damaged bytes. */
  open(sealed: Uint8Array, what: string): Buffer {
    const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    if (buf.length < HEADER_BYTES + TAG_BYTES) throw cannotDecrypt(what, 'it is truncated');
    const header = buf.subarray(0, HEADER_BYTES);
    const iv = this.checkHeader(header, what);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(header);
    decipher.setAuthTag(buf.subarray(buf.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(buf.subarray(HEADER_BYTES, buf.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw cannotDecrypt(what, 'its content does not authenticate (damaged, or written under another key)');
    }
  }

  /** Encrypt the file `from` into the new file `to`, streaming. */
  async encryptFile(from: string, to: string): Promise<void> {
    const header = this.header();
    const cipher = createCipheriv('aes-256-gcm', this.key, header.subarray(-IV_BYTES));
    cipher.setAAD(header);
    const out = createWriteStream(to, { flags: 'wx' });
    out.write(header);
    const withTag = new Transform({
      transform(chunk: Buffer, _enc, done) {
        done(null, cipher.update(chunk));
      },
      flush(done) {
        this.push(cipher.final());
        this.push(cipher.getAuthTag());
        done();
      },
    });
    await pipeline(createReadStream(from), withTag, out);
  }

  /**
   * The plaintext of an encrypted file as a stream. The tag sits at the end,
   * so it is read first; a stream whose content does not authenticate errors
   * at its end (callers that must not use unauthenticated bytes buffer first
   * or write to a temporary file, as readFile does).
   */
  async decryptStream(path: string, what: string): Promise<NodeJS.ReadableStream> {
    const { size } = await stat(path);
    if (size < HEADER_BYTES + TAG_BYTES) throw cannotDecrypt(what, 'it is truncated');
    const file = await open(path, 'r');
    const header = Buffer.alloc(HEADER_BYTES);
    const tag = Buffer.alloc(TAG_BYTES);
    try {
      await file.read(header, 0, HEADER_BYTES, 0);
      await file.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
    } finally {
      await file.close();
    }
    const iv = this.checkHeader(header, what);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(header);
    decipher.setAuthTag(tag);
    const source = createReadStream(path, { start: HEADER_BYTES, end: size - TAG_BYTES - 1 });
    const out = new Transform({
      transform(chunk: Buffer, _enc, done) {
        done(null, decipher.update(chunk));
      },
      flush(done) {
        try {
          this.push(decipher.final());
          done();
        } catch {
          done(cannotDecrypt(what, 'its content does not authenticate (damaged, or written under another key)'));
        }
      },
    });
    source.on('error', (e) => out.destroy(e));
    return source.pipe(out);
  }

  /** The whole plaintext of an encrypted file, authenticated before it is returned. */
  async readFile(path: string, what: string): Promise<Buffer> {
    const stream = await this.decryptStream(path, what);
    const parts: Buffer[] = [];
    for await (const chunk of stream as AsyncIterable<Buffer>) parts.push(chunk);
    return Buffer.concat(parts);
  }
}
