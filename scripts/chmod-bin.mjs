// Make the CLI entry executable after a build (tsc does not keep file modes).
import { chmodSync, existsSync } from 'node:fs';
const bin = new URL('../dist/src/cli/main.js', import.meta.url);
if (existsSync(bin)) chmodSync(bin, 0o755);
