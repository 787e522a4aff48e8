import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Node arguments that run the tsiot CLI from source (TypeScript through tsx),
 * from any working directory.
 */
export function cliArgs(...args: string[]): string[] {
  const tsx = pathToFileURL(join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;
  return ['--import', tsx, join(repoRoot, 'src/cli/main.ts'), ...args];
}
