import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_CALLER } from '../../../src/core/caller.js';
import { loadConfig } from '../../../src/core/config.js';
import { createLogger } from '../../../src/core/logger.js';
import { ExportFolder } from '../../../src/engines/export/folder.js';
import { createEngines } from '../../../src/engines/engines.js';
import { FileCipher, parseEncryptionKey } from '../../../src/engines/files/cipher.js';
import { MODEL_STATES_COLLECTION } from '../../../src/engines/models/record.js';
import { runTool } from '../../../src/registry/run-tool.js';
import { tools } from '../../../tools/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tsiot-cipher-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEY = randomBytes(32);
const OTHER = randomBytes(32);

describe('AES-256-GCM at rest', () => {
  it('reads a key as 64 hex digits or base64, and refuses anything else without quoting it', () => {
    expect(parseEncryptionKey(KEY.toString('hex'))).toEqual(KEY);
    expect(parseEncryptionKey(KEY.toString('base64'))).toEqual(KEY);
    expect(parseEncryptionKey(KEY.toString('base64url'))).toEqual(KEY);
    const secret = 'my-secret-passphrase-that-is-too-short';
    let message = '';
    try {
      parseEncryptionKey(secret);
    } catch (e) {
      message = `${(e as Error).message} ${JSON.stringify(e)}`;
    }
    expect(message).toContain('TSIOT_ENCRYPTION_KEY');
    expect(message).not.toContain(secret);
  });

  it('round-trips bytes and files, and no plaintext reaches the disk', async () => {
    const cipher = new FileCipher(KEY);
    const plain = Buffer.from('timestamp,temperature\n2024-01-01T00:00:00Z,21.5\n'.repeat(5000));
    const sealed = cipher.seal(plain);
    expect(sealed.includes(Buffer.from('temperature'))).toBe(false);
    expect(cipher.open(sealed, 'test')).toEqual(plain);
    const from = join(dir, 'plain.csv');
    const to = join(dir, 'sealed.csv');
    writeFileSync(from, plain);
    await cipher.encryptFile(from, to);
    const onDisk = readFileSync(to);
    expect(FileCipher.isEncrypted(onDisk)).toBe(true);
    expect(onDisk.includes(Buffer.from('temperature'))).toBe(false);
    expect(await cipher.readFile(to, 'test')).toEqual(plain);
    // every file gets its own IV: the same plaintext never encrypts to the same bytes
    expect(cipher.seal(plain).equals(sealed)).toBe(false);
  });

  it('names a wrong key and damaged bytes clearly, and never shows either key', async () => {
    const sealed = new FileCipher(KEY).seal(Buffer.from('hello'));
    const other = new FileCipher(OTHER);
    const errorOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as Error & { code: string };
      }
      throw new Error('expected a refusal');
    };
    const wrong = errorOf(() => other.open(sealed, 'Model state'));
    expect(wrong.code).toBe('conflict');
    expect(wrong.message).toBe('Model state cannot be decrypted: it was encrypted under another key');
    const damaged = Buffer.from(sealed);
    damaged[damaged.length - 20]! ^= 1;
    expect(errorOf(() => new FileCipher(KEY).open(damaged, 'Model state')).message).toContain('does not authenticate');
    for (const e of [wrong, errorOf(() => new FileCipher(KEY).open(damaged, 'x'))]) {
      const text = `${e.message} ${JSON.stringify(e)}`;
      for (const k of [KEY, OTHER]) {
        expect(text).not.toContain(k.toString('hex'));
        expect(text).not.toContain(k.toString('base64'));
      }
    }
    const file = join(dir, 'wrong-key.bin');
    await new FileCipher(KEY).encryptFile(join(dir, 'plain.csv'), file);
    await expect(other.readFile(file, 'Export "wrong-key.bin"')).rejects.toThrow('encrypted under another key');
  });
});

describe('encrypted exports through the engines', () => {
  it('export_series writes an encrypted file that the folder reads back; another key cannot', async () => {
    const dataDir = join(dir, 'data');
    const config = loadConfig(
      { dataDir, storage: 'duckdb://:memory:', logLevel: 'silent', encryption: { key: KEY.toString('base64') } },
      {},
    );
    const engines = await createEngines(config, createLogger('silent'));
    try {
      const ctx = {
        engines,
        logger: engines.logger,
        signal: new AbortController().signal,
        progress: () => undefined,
        caller: LOCAL_CALLER,
      };
      const tool = (name: string) => tools.find((t) => t.name === name)!;
      const gen = await runTool(tool('generate_timeseries'), { duration: '6h', interval: '5m', seed: 1 }, ctx);
      const id = (gen.structured as any).series[0].id;
      const out = await runTool(tool('export_series'), { ids: [id], fileName: 'sealed.csv', inline: true }, ctx);
      const structured = out.structured as { path: string; content: string };
      const onDisk = readFileSync(structured.path);
      expect(FileCipher.isEncrypted(onDisk)).toBe(true);
      expect(onDisk.includes(Buffer.from('timestamp'))).toBe(false);
      expect((await engines.exports!.read('sealed.csv')).toString('utf8')).toBe(structured.content);
      expect((await engines.exports!.list()).find((e) => e.name === 'sealed.csv')?.encrypted).toBe(true);
      const otherKey = new ExportFolder({ dataDir, cipher: new FileCipher(OTHER) });
      await expect(otherKey.read('sealed.csv')).rejects.toThrow('encrypted under another key');
      const noKey = new ExportFolder({ dataDir });
      await expect(noKey.read('sealed.csv')).rejects.toThrow('no encryption key is configured');
      // a saved model's state is sealed in the document store, and sampling from it still works
      const fit = await runTool(
        tool('fit_model'),
        { generator: 'arima', data: { seriesId: id }, seed: 1, waitSeconds: 60 },
        ctx,
      );
      const modelId = (fit.structured as { id: string }).id;
      const raw = await engines.documents.getDocument<Record<string, unknown>>(MODEL_STATES_COLLECTION, modelId);
      expect(raw).toMatchObject({ tsiotSealed: 1 });
      expect(Object.keys(raw!)).toEqual(['tsiotSealed', 'data']);
      const sample = await runTool(tool('generate_from_model'), { id: modelId, length: 5, seed: 2 }, ctx);
      expect((sample.structured as { series: unknown[] }).series.length).toBeGreaterThan(0);
    } finally {
      await engines.close();
    }
  });

  it('refuses to start with a malformed key, without quoting it', async () => {
    const bad = 'not-a-key-but-a-secret-anyway';
    const config = loadConfig(
      { dataDir: join(dir, 'bad'), storage: 'duckdb://:memory:', logLevel: 'silent', encryption: { key: bad } },
      {},
    );
    const started = createEngines(config, createLogger('silent'));
    await expect(started).rejects.toThrow('TSIOT_ENCRYPTION_KEY');
    await started.catch((e: Error) => expect(`${e.message}${JSON.stringify(e)}`).not.toContain(bad));
  });
});
