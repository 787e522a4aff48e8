import { readFileSync } from 'node:fs';

function findVersion(): string {
  // src/version.ts runs from src/ (tsx) or dist/src/ (built): look upwards for package.json
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'tsiot' && pkg.version) return pkg.version;
    } catch {
      /* try the next candidate */
    }
  }
  return '0.0.0';
}

/** The package version, reported by the MCP server, the CLI and the OpenAPI document. */
export const VERSION = findVersion();
