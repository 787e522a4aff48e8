import { createReadStream } from 'node:fs';
import { open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEFAULT_TENANT } from '../../core/caller.js';
import { TsiotError } from '../../core/errors.js';
import { FileCipher } from '../files/cipher.js';
import { placeFile } from './place.js';

/** A file name inside an exports folder: no folders, no leading dot (temporary files start with one). */
export const EXPORT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$/;

export interface ExportEntry {
  name: string;
  /** Size on disk (with encryption: the encrypted file). */
  bytes: number;
  modifiedAt: string;
  encrypted: boolean;
}

export interface ExportFolderOptions {
  dataDir: string;
  /** Files are encrypted with it when given (AES-256-GCM), and decrypted when read back. */
  cipher?: FileCipher;
  tenant?: string;
}

function exportNotFound(name: string): TsiotError {
  // the same answer for a name that is absent and for one another tenant holds: existence does not leak
  return new TsiotError('not_found', `Export "${name}" does not exist`, {
    details: { name },
    hint: 'List your exports with GET /v1/exports; export_series and export jobs write them.',
  });
}

function noKey(name: string): TsiotError {
  return new TsiotError('unsupported', `Export "${name}" is encrypted and no encryption key is configured`, {
    details: { name },
    hint: 'Configure the TSIOT_ENCRYPTION_KEY it was written under.',
  });
}

/**
 * One tenant's exports folder. The default tenant's is `<dataDir>/exports`
 * (as before tenancy); every other tenant's is
 * `<dataDir>/tenants/<tenant>/exports`, so no tenant can list, read or
 * replace another's files: names resolve in the caller's folder only.
 * With a cipher configured every file is encrypted before it gets its name.
 */
export class ExportFolder {
  readonly tenant: string;
  readonly dir: string;

  constructor(private readonly options: ExportFolderOptions) {
    this.tenant = options.tenant ?? DEFAULT_TENANT;
    this.dir =
      this.tenant === DEFAULT_TENANT
        ? resolve(options.dataDir, 'exports')
        : resolve(options.dataDir, 'tenants', encodeURIComponent(this.tenant), 'exports');
  }

  forTenant(tenant: string): ExportFolder {
    return tenant === this.tenant ? this : new ExportFolder({ ...this.options, tenant });
  }

  get encrypted(): boolean {
    return this.options.cipher !== undefined;
  }

  /** The folder, created when missing; temporary files are written here so placing them is a rename. */
  async ensure(): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    return this.dir;
  }

  /** Where a name lives in this folder; invalid_input for anything but a plain file name. */
  pathOf(name: string, field = 'fileName'): string {
    if (typeof name !== 'string' || !EXPORT_NAME.test(name))
      throw new TsiotError(
        'invalid_input',
        `${field}: a plain file name: letters, digits, dot, dash, underscore; no folders`,
        {
          details: { field, example: 'fleet-2024.csv' },
        },
      );
    return join(this.dir, name);
  }

  /**
   * Give a finished temporary file (inside this folder) its name, encrypted
   * first when a cipher is configured. Without overwrite an existing name is
   * never replaced (conflict). The temporary file is gone afterwards either way.
   */
  async place(temp: string, name: string, overwrite: boolean): Promise<string> {
    const path = this.pathOf(name);
    const cipher = this.options.cipher;
    if (!cipher) {
      await placeFile(temp, path, overwrite);
      return path;
    }
    const sealed = `${temp}.enc`;
    try {
      await cipher.encryptFile(temp, sealed);
    } catch (e) {
      await rm(sealed, { force: true });
      throw e;
    } finally {
      await rm(temp, { force: true });
    }
    await placeFile(sealed, path, overwrite);
    return path;
  }

  async list(): Promise<ExportEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: ExportEntry[] = [];
    for (const name of names.sort()) {
      if (!EXPORT_NAME.test(name)) continue;
      const info = await stat(join(this.dir, name)).catch(() => undefined);
      if (!info?.isFile()) continue;
      out.push({
        name,
        bytes: info.size,
        modifiedAt: info.mtime.toISOString(),
        encrypted: await this.isSealed(join(this.dir, name)),
      });
    }
    return out;
  }

  private async isSealed(path: string): Promise<boolean> {
    const file = await open(path, 'r');
    try {
      const head = Buffer.alloc(8);
      const { bytesRead } = await file.read(head, 0, 8, 0);
      return FileCipher.isEncrypted(head.subarray(0, bytesRead));
    } finally {
      await file.close();
    }
  }

  /** The content of one export (decrypted), or not_found. */
  async read(name: string): Promise<Buffer> {
    const path = this.pathOf(name, 'name');
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw exportNotFound(name);
    if (!(await this.isSealed(path))) return readFile(path);
    const cipher = this.options.cipher;
    if (!cipher) throw noKey(name);
    return cipher.readFile(path, `Export "${name}"`);
  }

  /**
   * One export as a stream (decrypted), or not_found: for downloads of any
   * size. An encrypted file is authenticated at its end, so a damaged file
   * makes the stream fail there; read() authenticates before answering.
   */
  async stream(name: string): Promise<NodeJS.ReadableStream> {
    const path = this.pathOf(name, 'name');
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw exportNotFound(name);
    if (!(await this.isSealed(path))) return createReadStream(path);
    const cipher = this.options.cipher;
    if (!cipher) throw noKey(name);
    return cipher.decryptStream(path, `Export "${name}"`);
  }

  /** Remove one export; false when there was none of that name. */
  async delete(name: string): Promise<boolean> {
    const path = this.pathOf(name, 'name');
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return false;
    await rm(path, { force: true });
    return true;
  }
}
