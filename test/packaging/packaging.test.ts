import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions, with line continuations joined and comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const joined = text.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const m = /^([A-Z]+)\s+(.*)$/.exec(l);
      if (!m) throw new Error(`not a Dockerfile instruction: ${l}`);
      return { op: m[1]!, args: m[2]! };
    });
}

describe('Dockerfile (checked by parsing: no Docker engine runs here)', () => {
  const steps = parseDockerfile(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'));

  it('builds on Node 20 in two stages and runs `tsiot serve` as a non-root user', () => {
    const froms = steps.filter((s) => s.op === 'FROM').map((s) => s.args);
    expect(froms).toHaveLength(2);
    for (const f of froms) expect(f).toMatch(/^node:20[-.\w]*/);
    expect(steps.find((s) => s.op === 'USER')?.args).toBe('node');
    const cmd = JSON.parse(steps.find((s) => s.op === 'CMD')!.args) as string[];
    expect(cmd).toEqual(['node', 'dist/src/cli/main.js', 'serve']);
  });

  it('copies only files that exist, and everything the build compiles', () => {
    const tsconfig = JSON.parse(readFileSync(join(repoRoot, 'tsconfig.json'), 'utf8')) as { include: string[] };
    const copied = steps
      .filter((s) => s.op === 'COPY' && !s.args.startsWith('--from'))
      .flatMap((s) => s.args.split(/\s+/).slice(0, -1));
    for (const src of copied) expect(existsSync(join(repoRoot, src)), `${src} exists`).toBe(true);
    for (const dir of tsconfig.include) expect(copied, `${dir} is copied before the build`).toContain(dir);
    expect(copied).toContain('scripts');
  });

  it('listens where it says it does', () => {
    const env = steps
      .filter((s) => s.op === 'ENV')
      .map((s) => s.args)
      .join(' ');
    const port = /TSIOT_HTTP_PORT=(\d+)/.exec(env)?.[1];
    expect(steps.find((s) => s.op === 'EXPOSE')?.args).toBe(port);
    expect(env).toMatch(/TSIOT_HTTP_HOST=0\.0\.0\.0/);
    expect(steps.find((s) => s.op === 'HEALTHCHECK')?.args).toContain(`:${port}/healthz`);
  });
});

describe('mcp.json', () => {
  it('is a client configuration that starts a working stdio server', async () => {
    const config = JSON.parse(readFileSync(join(repoRoot, 'mcp.json'), 'utf8')) as {
      mcpServers: Record<string, { command: string; args: string[]; env?: Record<string, string> }>;
    };
    const entry = config.mcpServers.tsiot!;
    expect(entry.command).toBe('node');
    const script = join(repoRoot, entry.args[0]!);
    expect(existsSync(script), `${entry.args[0]} is built (npm run build)`).toBe(true);
    const dataDir = mkdtempSync(join(tmpdir(), 'tsiot-mcpjson-'));
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [script, ...entry.args.slice(1)],
      cwd: repoRoot,
      env: { ...(process.env as Record<string, string>), ...entry.env, TSIOT_DATA_DIR: dataDir },
      stderr: 'inherit',
    });
    const client = new Client({ name: 'mcp-json-check', version: '0.0.0' });
    try {
      await client.connect(transport);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('generate_timeseries');
    } finally {
      await client.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
