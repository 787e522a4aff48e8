import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../src/http/server.js';
import { createMcpServer } from '../../src/mcp/server.js';
import { prompts } from '../../prompts/index.js';
import { resources } from '../../resources/index.js';
import { tools } from '../../tools/index.js';
import { repoRoot } from '../helpers/cli.js';
import { makeEngines } from '../helpers/engines.js';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'tsiot-pack-'));
// a whole node_modules to remove: slow on a busy machine
afterAll(() => rmSync(work, { recursive: true, force: true }), 180_000);

const consumerTs = `import { TsiotClient, TsiotApiError, type ToolOutput } from 'tsiot';
const client = new TsiotClient({ baseUrl: process.argv[2], token: undefined });
const gen: ToolOutput<'generate_timeseries'> = await client.generate({ devices: 1, duration: '1h', seed: 1 });
const id: string | null | undefined = gen.series[0]?.id;
// @ts-expect-error devices is a number in the tool's schema
await client.generate({ devices: 'two' }).catch(() => undefined);
export { id, TsiotApiError };
`;

const consumerJs = `import { TsiotClient, TsiotApiError, TOOL_NAMES } from 'tsiot';
const client = new TsiotClient({ baseUrl: process.argv[2] });
const health = await client.health();
const gen = await client.generate({ devices: 2, duration: '1h', interval: '5m', seed: 4 });
let rows = 0;
for await (const _ of client.points(gen.series[0].id, { pageSize: 5 })) rows++;
const err = await client.getSeries('ser_absent').catch((e) => e);
console.log(JSON.stringify({ status: health.status, series: gen.series.length, rows, tools: TOOL_NAMES.length, typed: err instanceof TsiotApiError, code: err.code }));
`;

describe('the packed package', () => {
  it('installs from `npm pack` into a new project, imports TsiotClient from "tsiot", type-checks and talks to a server', async () => {
    expect(existsSync(join(repoRoot, 'dist/src/index.js')), 'dist/ is built (npm ci runs the build)').toBe(true);
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
      cwd: repoRoot,
      maxBuffer: 64 * 1024 * 1024,
    });
    const [{ filename, files }] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    const paths = files.map((f) => f.path);
    expect(paths).toContain('dist/src/index.js');
    expect(paths).toContain('dist/src/index.d.ts');
    expect(paths.some((p) => p.startsWith('test/') || p.startsWith('src/'))).toBe(false);

    const project = join(work, 'consumer');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    // no install scripts and no optional native packages: the client needs neither
    await run(
      'npm',
      [
        'install',
        join(work, filename),
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--omit=optional',
        '--no-package-lock',
      ],
      { cwd: project, maxBuffer: 64 * 1024 * 1024 },
    );
    writeFileSync(join(project, 'consumer.ts'), consumerTs);
    writeFileSync(join(project, 'consumer.mjs'), consumerJs);
    const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
    const args = ['--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022', '--module', 'nodenext'];
    await run(
      process.execPath,
      [tsc, ...args, '--types', 'node', '--typeRoots', join(repoRoot, 'node_modules/@types'), 'consumer.ts'],
      {
        cwd: project,
      },
    ).catch((e: { stdout: string }) => {
      throw new Error(`consumer.ts does not type-check against the package:\n${e.stdout}`);
    });

    const engines = await makeEngines();
    const server = await startHttpServer({
      engines,
      tools,
      createMcpServer: () => createMcpServer(engines, { tools, resources, prompts }),
      port: 0,
      logger: engines.logger,
    });
    try {
      const out = await run(process.execPath, ['consumer.mjs', server.url], { cwd: project });
      expect(JSON.parse(out.stdout)).toEqual({
        status: 'ok',
        series: 2,
        rows: 12,
        tools: tools.length,
        typed: true,
        code: 'not_found',
      });
    } finally {
      await server.close();
      await engines.close();
    }
  }, 300_000);
});
