import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_TENANT } from '../../core/caller.js';
import { TsiotError } from '../../core/errors.js';
import type { DocumentStore } from '../../engines/storage/storage.js';
import { isScope, SCOPE_NAMES } from '../../registry/scopes.js';

const COLLECTION = 'api_keys';
/** `tsk_<16 hex id>.<43 base64url secret>`: the id finds the record, the secret is only ever stored hashed. */
const KEY_PATTERN = /^tsk_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;
export const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@|-]{0,199}$/;

const ApiKeyRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.string()),
  tenant: z.string(),
  /** SHA-256 of the secret, hex. The secret is 256 random bits, so a fast hash is enough. */
  hash: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().optional(),
});
export type ApiKeyRecord = z.output<typeof ApiKeyRecordSchema>;

/** What `keys list` shows: never the hash. */
export type ApiKeyInfo = Omit<ApiKeyRecord, 'hash'>;

export interface CreatedKey {
  info: ApiKeyInfo;
  /** The key itself, shown once. */
  key: string;
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith('tsk_');
}

/** API keys for scripts, CI and the dashboard, kept hashed in the document store. */
export class ApiKeyStore {
  constructor(private readonly documents: DocumentStore) {}

  async create(options: { name: string; scopes: readonly string[]; tenant?: string }): Promise<CreatedKey> {
    const name = options.name.trim();
    if (!name || name.length > 100)
      throw new TsiotError('invalid_input', '--name: give a name of 1 to 100 characters, e.g. "ci-nightly"', {
        details: { field: 'name' },
      });
    if (options.scopes.length === 0)
      throw new TsiotError('invalid_input', `--scopes: give at least one of ${SCOPE_NAMES.join(', ')}`, {
        details: { field: 'scopes', example: 'series:read,series:write' },
      });
    const unknown = options.scopes.filter((s) => !isScope(s));
    if (unknown.length)
      throw new TsiotError(
        'invalid_input',
        `--scopes: unknown scope${unknown.length > 1 ? 's' : ''} ${unknown.map((s) => `"${s}"`).join(', ')}; known: ${SCOPE_NAMES.join(', ')}`,
        { details: { field: 'scopes', example: 'series:read,models' } },
      );
    const tenant = options.tenant ?? DEFAULT_TENANT;
    if (!TENANT_PATTERN.test(tenant))
      throw new TsiotError(
        'invalid_input',
        '--tenant: letters, digits and . _ : @ | - only, at most 200, e.g. "acme"',
        {
          details: { field: 'tenant' },
        },
      );
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const record: ApiKeyRecord = {
      id,
      name,
      scopes: [...new Set(options.scopes)],
      tenant,
      hash: hashOf(secret),
      createdAt: new Date().toISOString(),
    };
    await this.documents.putDocument(COLLECTION, id, record);
    return { info: infoOf(record), key: `tsk_${id}.${secret}` };
  }

  async list(): Promise<ApiKeyInfo[]> {
    const docs = await this.documents.listDocuments<ApiKeyRecord>(COLLECTION, { limit: 100_000 });
    return docs
      .map((d) => infoOf(ApiKeyRecordSchema.parse(d.doc)))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Whether any key is usable, which turns authentication on. */
  async anyActive(): Promise<boolean> {
    return (await this.list()).some((k) => !k.revokedAt);
  }

  async revoke(id: string): Promise<ApiKeyInfo> {
    const record = await this.read(id);
    if (!record)
      throw new TsiotError('not_found', `API key "${id}" does not exist`, {
        details: { id },
        hint: '`tsiot keys list` shows the keys.',
      });
    const revoked = { ...record, revokedAt: record.revokedAt ?? new Date().toISOString() };
    await this.documents.putDocument(COLLECTION, id, revoked);
    return infoOf(revoked);
  }

  /** The key's record when `key` is a valid, unrevoked key; undefined otherwise (which one is not said). */
  async verify(key: string): Promise<ApiKeyInfo | undefined> {
    const m = KEY_PATTERN.exec(key);
    if (!m) return undefined;
    const record = await this.read(m[1]!);
    const expected = Buffer.from(record?.hash ?? hashOf('no such key'), 'hex');
    const given = Buffer.from(hashOf(m[2]!), 'hex');
    const same = timingSafeEqual(expected, given);
    if (!record || !same || record.revokedAt) return undefined;
    return infoOf(record);
  }

  private async read(id: string): Promise<ApiKeyRecord | undefined> {
    if (!/^[0-9a-f]{16}$/.test(id)) return undefined;
    const doc = await this.documents.getDocument<ApiKeyRecord>(COLLECTION, id);
    return doc === undefined ? undefined : ApiKeyRecordSchema.parse(doc);
  }
}

function hashOf(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function infoOf(record: ApiKeyRecord): ApiKeyInfo {
  const { hash: _hash, ...info } = record;
  return info;
}
