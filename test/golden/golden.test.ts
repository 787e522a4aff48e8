/**
 * Golden outputs: the SHA-256 of the bytes that fixed, seeded requests give,
 * for every generator (fitted or not) and every export format, through the
 * tools every interface shares.
 *
 * Two runs of one process agreeing is not enough: a change that alters every
 * seeded output would pass that. These hashes are pinned in hashes.json. A
 * deliberate change of seeded output updates them in the same commit and says
 * why in its message:
 *
 *   GOLDEN_UPDATE=1 npx vitest run test/golden
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import { runTool } from '../../src/registry/run-tool.js';
import type { ToolContext } from '../../src/registry/tool.js';
import { tools } from '../../tools/index.js';
import { makeEngines, type TestEngines } from '../helpers/engines.js';

const HASHES = join(dirname(fileURLToPath(import.meta.url)), 'hashes.json');
const update = process.env.GOLDEN_UPDATE === '1';
const pinned: Record<string, string> = JSON.parse(readFileSync(HASHES, 'utf8'));
const seen: Record<string, string> = {};

let engines: TestEngines;

function context(): ToolContext {
  return { engines, logger: createLogger('silent'), signal: new AbortController().signal, progress: () => {} };
}

async function call(name: string, input: unknown): Promise<Record<string, unknown>> {
  const tool = tools.find((t) => t.name === name);
  if (!tool) throw new Error(`no tool ${name}`);
  return (await runTool(tool, input, context())).structured;
}

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function check(key: string, bytes: Uint8Array | string): void {
  const hash = sha256(bytes);
  seen[key] = hash;
  if (update) return;
  expect(pinned[key], `no pinned hash for "${key}"; run with GOLDEN_UPDATE=1 to pin it`).toBeDefined();
  expect(hash, `seeded output of "${key}" changed`).toBe(pinned[key]);
}

/** Every export format of stored series, plus the labels. */
async function checkExports(key: string, ids: string[]): Promise<void> {
  for (const format of ['csv', 'ndjson', 'line', 'parquet'] as const) {
    const out = await call('export_series', { ids, format, inline: true, fileName: `${key}.${format}` });
    const bytes =
      typeof out.contentBase64 === 'string' ? Buffer.from(out.contentBase64, 'base64') : String(out.content);
    check(`${key}.${format}`, bytes);
  }
}

const ids = (out: Record<string, unknown>) => (out.series as { id: string }[]).map((s) => s.id);

beforeAll(async () => {
  engines = await makeEngines();
});

afterAll(async () => {
  await engines?.close();
  if (update) writeFileSync(HASHES, `${JSON.stringify(seen, Object.keys(seen).sort(), 2)}\n`);
});

describe('golden seeded outputs', () => {
  it('statistical: the default request', async () => {
    const out = await call('generate_timeseries', { seed: 42 });
    await checkExports('statistical-default', ids(out));
  });

  it('statistical: a fleet with anomalies, imperfections and correlation', async () => {
    const out = await call('generate_timeseries', {
      seed: 'golden-fleet',
      devices: 4,
      duration: '6h',
      interval: '1m',
      sensors: [{ type: 'temperature' }, { type: 'humidity' }, { type: 'vibration' }, { type: 'power' }],
      anomalies: [
        { type: 'spike', count: 3 },
        { type: 'degradation', count: 1, sensor: 'vibration' },
        { type: 'level_shift', count: 1 },
      ],
      imperfections: { missingRate: 0.02, gaps: { count: 1, maxDuration: '20m' }, quantize: 0.1 },
    });
    check('statistical-fleet.labels', JSON.stringify(out.labels));
    await checkExports('statistical-fleet', ids(out));
  });

  it('arima: a seasonal process from the factory', async () => {
    const out = await call('generate_timeseries', {
      generator: 'arima',
      seed: 9,
      params: {
        length: 500,
        interval: '1h',
        devices: 2,
        columns: [
          { name: 'load', phi: [0.6, -0.2], theta: [0.3], mean: 10, sigma: 0.5, seasonal: { period: 24, phi: [0.5] } },
          { name: 'level', d: 1, sigma: 0.2, initial: 100 },
        ],
      },
    });
    await checkExports('arima-generator', ids(out));
  });

  // Learned generators: fit on fixed data with a fixed seed and a small budget, then sample with a fixed seed.
  const learners: [name: string, options: Record<string, unknown>, sample: Record<string, unknown>][] = [
    ['statistical', { periods: [24] }, { length: 96, count: 2 }],
    ['arima', { period: 24 }, { length: 96, count: 2 }],
    ['mixture', { window: 24 }, { length: 48, count: 3 }],
    ['rnn', { iterations: 30, hidden: 8, window: 12, batchSize: 16 }, { length: 48, count: 2 }],
    [
      'timegan',
      { seqLen: 12, hidden: 6, embeddingIterations: 10, supervisedIterations: 10, jointIterations: 5 },
      { length: 24, count: 2 },
    ],
    ['dgan', { length: 24, sampleLen: 4, hidden: 8, iterations: 20, batchSize: 8 }, { length: 24, count: 2 }],
    ['ydata', { length: 24, sampleLen: 4, hidden: 8, iterations: 20, batchSize: 8 }, { length: 24, count: 2 }],
  ];

  let training: string[] = [];
  beforeAll(async () => {
    const out = await call('generate_timeseries', {
      seed: 'golden-training',
      devices: 4,
      duration: '4d',
      interval: '1h',
      sensors: [{ type: 'temperature' }, { type: 'humidity' }],
    });
    training = ids(out);
  });

  for (const [generator, options, sample] of learners) {
    it(`${generator}: fit, then sample`, { timeout: 180_000 }, async () => {
      const data =
        generator === 'statistical' || generator === 'arima' ? { seriesId: training[0] } : { seriesIds: training };
      const fit = await call('fit_model', { generator, data, options, seed: 3, waitSeconds: 600 });
      expect(fit.status).toBe('ready');
      const out = await call('generate_from_model', { id: fit.id, seed: 11, store: true, ...sample });
      await checkExports(`learned-${generator}`, ids(out));
    });
  }
});
