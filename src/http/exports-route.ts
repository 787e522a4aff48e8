import { Readable } from 'node:stream';
import type { Context, Hono } from 'hono';
import { hasScope } from '../core/caller.js';
import { TsiotError } from '../core/errors.js';
import type { Engines } from '../engines/engines.js';
import { ExportFolder } from '../engines/export/folder.js';
import { callerOf } from './auth/index.js';

/** Path of the caller's exports. */
export const EXPORTS_PATH = '/v1/exports';

const CONTENT_TYPES: Record<string, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson',
  lp: 'text/plain; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
};

function needs(scope: string): TsiotError {
  return new TsiotError(
    'forbidden',
    `This request needs the scope "${scope}", which this token or key does not grant`,
    {
      details: { requiredScope: scope },
      hint: `Ask for a token with the scope "${scope}" (or create an API key with --scopes ${scope}).`,
    },
  );
}

/**
 * The files export_series and export jobs wrote for the caller's tenant:
 * `GET /v1/exports` lists them, `GET /v1/exports/{name}` downloads one
 * (decrypted when encryption at rest is on), `DELETE /v1/exports/{name}`
 * removes one. A name resolves in the caller's own folder only, so another
 * tenant's file answers 404 exactly like a name that does not exist.
 */
export function mountExports(app: Hono, engines: Engines): void {
  const folderOf = (c: Context): ExportFolder =>
    (engines.exports ?? new ExportFolder({ dataDir: engines.config.dataDir })).forTenant(callerOf(c).tenant);
  const check = (c: Context, scope: string) => {
    if (!hasScope(callerOf(c), scope)) throw needs(scope);
  };

  app.get(EXPORTS_PATH, async (c) => {
    check(c, 'series:read');
    const folder = folderOf(c);
    return c.json({ exports: await folder.list(), encryptedAtRest: folder.encrypted });
  });

  app.get(`${EXPORTS_PATH}/:name`, async (c) => {
    check(c, 'series:read');
    const name = c.req.param('name');
    const stream = await folderOf(c).stream(name);
    const ext = name.slice(name.lastIndexOf('.') + 1);
    return new Response(Readable.toWeb(stream as Readable) as ReadableStream, {
      status: 200,
      headers: {
        'Content-Type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
        'Content-Disposition': `attachment; filename="${name}"`,
        'Cache-Control': 'no-store',
      },
    });
  });

  app.delete(`${EXPORTS_PATH}/:name`, async (c) => {
    check(c, 'series:write');
    const name = c.req.param('name');
    if (!(await folderOf(c).delete(name)))
      throw new TsiotError('not_found', `Export "${name}" does not exist`, {
        details: { name },
        hint: 'List your exports with GET /v1/exports.',
      });
    return c.json({ deleted: name });
  });
}
