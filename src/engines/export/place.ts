import { link, rename, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { TsiotError } from '../../core/errors.js';

/**
 * Move a finished temporary file to its final path. Without `overwrite` an
 * existing file is never replaced: the hard link fails atomically when the
 * name is taken, so two requests racing for one name cannot both win and a
 * later request cannot silently replace an earlier one's file.
 */
export async function placeFile(temp: string, path: string, overwrite: boolean): Promise<void> {
  if (overwrite) {
    await rename(temp, path);
    return;
  }
  try {
    await link(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new TsiotError('conflict', `fileName: an export named "${basename(path)}" already exists`, {
        details: { field: 'fileName', fileName: basename(path) },
        hint: 'Choose another fileName, leave it out for a name derived from the content, or pass overwrite: true to replace the file.',
      });
    }
    throw e;
  }
  await rm(temp, { force: true });
}
