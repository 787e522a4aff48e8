import { mkdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { Caller } from '../../core/caller.js';
import { TsiotError } from '../../core/errors.js';

export interface ImportFolderOptions {
  /** The one folder server-side paths resolve in. */
  dir: string;
  /** Further folders the local user (stdio, CLI) may read; never network callers. */
  localDirs?: readonly string[];
}

/**
 * Confines every input that names a server-side file to the import folder.
 * A path is taken relative to the folder (absolute ones must point inside
 * it) and resolved with realpath, so `..`, absolute paths elsewhere and
 * symbolic links that lead out are all refused the same way. The local user
 * may be given more folders by configuration; a network caller never is.
 *
 * Messages name the caller's own path only: neither the server's folder
 * layout (to network callers) nor anything read from a file.
 */
export class ImportFolder {
  readonly dir: string;
  private readonly localDirs: readonly string[];
  private roots?: Promise<{ main: string; local: string[] }>;

  constructor(options: ImportFolderOptions) {
    this.dir = resolve(options.dir);
    this.localDirs = (options.localDirs ?? []).map((d) => resolve(d));
  }

  /** The real path of `path` when `caller` may read it; a TsiotError naming `field` otherwise. */
  async resolve(path: string, field: string, caller: Caller): Promise<string> {
    if (path.includes('\0')) throw this.refused(field, path, caller, 'contains a NUL character');
    const roots = await this.realRoots();
    const allowed = caller.origin === 'local' ? [roots.main, ...roots.local] : [roots.main];
    const candidate = resolve(roots.main, path);
    let real: string;
    try {
      real = await realpath(candidate);
    } catch (cause) {
      // say "outside" before "missing", so probing cannot tell which files exist elsewhere
      if (!allowed.some((root) => inside(root, resolve(candidate))))
        throw this.refused(field, path, caller, 'is outside the import folder');
      const code = (cause as NodeJS.ErrnoException).code;
      throw new TsiotError(
        'not_found',
        `${field}: "${path}" ${code === 'ENOENT' ? 'does not exist' : 'cannot be read'} in the import folder`,
        { details: { field }, hint: this.hint(caller) },
      );
    }
    if (!allowed.some((root) => inside(root, real)))
      throw this.refused(field, path, caller, 'is outside the import folder (after following links)');
    const info = await stat(real);
    if (!info.isFile()) throw this.refused(field, path, caller, 'is not a regular file');
    return real;
  }

  private realRoots(): Promise<{ main: string; local: string[] }> {
    this.roots ??= (async () => {
      await mkdir(this.dir, { recursive: true });
      const local: string[] = [];
      for (const d of this.localDirs) {
        try {
          local.push(await realpath(d));
        } catch {
          // a configured folder that does not exist grants nothing
        }
      }
      return { main: await realpath(this.dir), local };
    })();
    this.roots.catch(() => {
      this.roots = undefined;
    });
    return this.roots;
  }

  private refused(field: string, path: string, caller: Caller, why: string): TsiotError {
    return new TsiotError('forbidden', `${field}: "${printable(path)}" ${why}; only files inside it can be read`, {
      details: { field },
      hint: this.hint(caller),
    });
  }

  private hint(caller: Caller): string {
    // the folder's own location is shown to the local user only
    return caller.origin === 'local'
      ? `Put the file in ${this.dir} (TSIOT_IMPORT_DIR) and give its path relative to it, e.g. "plant-3/readings.csv"; imports.localDirs adds folders for stdio and the CLI.`
      : 'Ask the operator to place the file in the server\'s import folder and give its path relative to it, e.g. "plant-3/readings.csv"; or send the CSV text itself in data.csv.';
  }
}

function inside(root: string, path: string): boolean {
  if (path === root) return false;
  const rel = relative(root, path);
  return rel !== '' && !isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`);
}

/** The caller's path as they sent it, without control characters, bounded. */
function printable(path: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const clean = path.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}
