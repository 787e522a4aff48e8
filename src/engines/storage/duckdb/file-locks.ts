import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { TsiotError } from '../../../core/errors.js';

/**
 * DuckDB locks its file against other processes only: a second DuckDB
 * instance on the same file inside one process would open it again and
 * corrupt it. This registry closes that gap for DuckDbStorage objects.
 */
const held = new Set<string>();

/** The canonical form of a database path, so two spellings of one file collide. */
export function canonicalPath(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    try {
      return join(realpathSync(dirname(abs)), basename(abs));
    } catch {
      return abs;
    }
  }
}

/** Claim a database file for this process; throws `unavailable` when another object holds it. */
export function acquireFile(canonical: string): void {
  if (held.has(canonical)) {
    throw new TsiotError(
      'unavailable',
      `DuckDB file "${canonical}" is already open by another storage object in this process`,
      {
        details: { path: canonical },
        hint: 'Share one storage object, close the other one first, or use a different file.',
      },
    );
  }
  held.add(canonical);
}

export function releaseFile(canonical: string): void {
  held.delete(canonical);
}
