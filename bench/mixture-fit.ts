/**
 * How long the `mixture` learner takes to fit at real sizes, stage by stage.
 *
 *   nice -n 10 node --import tsx bench/mixture-fit.ts [--dataset sensors,wind] [--runs 1] [--fit-options JSON]
 *
 * Datasets:
 *   sensors  13 columns of the statistical generator (temperature, humidity,
 *            pressure, vibration, power, … on one device), hourly, 20,023 rows:
 *            with window 24 and stride 1, 20,000 windows × 24 steps × 13 columns
 *            (312 values per window), the size the issue asks to fit in under a minute.
 *   wind     bench/data/wind.csv (7 numeric columns, ~48,700 rows), window 24:
 *            more windows than maxWindows, so the learner subsamples.
 *
 * Prints, per run, the wall and CPU time of the fit, the time of each stage as
 * the learner reports it through onProgress, what it chose (principal
 * components, mixture components) and the machine's load average before and
 * after (the machine is shared: read wall time beside the load).
 */
import { LOCAL_CALLER } from '../src/core/caller.js';
import { ImportFolder } from '../src/engines/files/imports.js';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseInput } from '../src/core/input-errors.js';
import { createRng } from '../src/core/rng.js';
import type { TimeSeries } from '../src/core/types.js';
import { mixtureLearner } from '../src/engines/generation/mixture/learned.js';
import { statisticalGenerator } from '../src/engines/generation/statistical/index.js';
import { StatisticalParamsSchema } from '../src/engines/generation/statistical/schema.js';
import { loadDataInput } from '../src/engines/models/input.js';
import { prepareTrainingData } from '../src/engines/models/training-data.js';
import { packageRoot } from '../src/engines/validation/fidelity/data.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const datasets = (args.get('dataset') ?? 'sensors,wind').split(',').filter(Boolean);
const runs = Number(args.get('runs') ?? 1);
const fitOptions = JSON.parse(args.get('fit-options') ?? '{}') as Record<string, unknown>;

const SENSOR_TYPES = [
  'temperature',
  'humidity',
  'pressure',
  'vibration',
  'power',
  'energy',
  'temperature',
  'humidity',
  'pressure',
  'vibration',
  'power',
  'temperature',
  'humidity',
] as const;

async function sensors(): Promise<TimeSeries> {
  const params = parseInput(
    StatisticalParamsSchema,
    { points: 20_023, interval: '1h', sensors: SENSOR_TYPES.map((type) => ({ type })) },
    'bench parameters',
  );
  const out = await statisticalGenerator.create().generate(params, { rng: createRng('mixture-fit') });
  return out.series[0]!;
}

async function wind(): Promise<TimeSeries> {
  const folder = resolve(packageRoot(), 'bench', 'data');
  const loaded = await loadDataInput(
    { csvPath: 'wind.csv' },
    { storage: undefined as never, imports: new ImportFolder({ dir: folder }) }, // a CSV path never reaches storage
    LOCAL_CALLER,
  );
  return loaded.series;
}

const load = () =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const lines = [
    '| data | windows × values | run | wall (s) | CPU (s) | principal components | mixture components | load before → after | stages (s) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const name of datasets) {
    const series = name === 'sensors' ? await sensors() : name === 'wind' ? await wind() : undefined;
    if (!series) throw new Error(`--dataset: unknown dataset "${name}" (sensors, wind)`);
    const data = prepareTrainingData(series);
    const options = parseInput(mixtureLearner.fitOptionsSchema, { window: 24, ...fitOptions }, 'fit options');
    for (let r = 0; r < runs; r++) {
      const before = load();
      // Start time and first message of each stage (progress `done`); EM iterations only update the message.
      const stages: { done: number; message: string; at: number }[] = [];
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const fit = await mixtureLearner.fit(data, options, {
        rng: createRng(`mixture-fit/${r}`),
        onProgress: (p) => {
          const at = (performance.now() - t0) / 1000;
          if (stages.at(-1)?.done !== p.done) stages.push({ done: p.done, message: p.message ?? '', at });
          process.stderr.write(`[${at.toFixed(1)} s] ${p.done}/${p.total} ${p.message ?? ''}\n`);
        },
      });
      const wall = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(c0);
      const d = fit.details;
      const spans = stages.map((s, i) => `${((stages[i + 1]?.at ?? wall) - s.at).toFixed(1)} ${s.message}`);
      lines.push(
        `| ${name} | ${d.trainingWindows} × ${d.valuesPerWindow} | ${r + 1} | ${wall.toFixed(1)} | ${((cpu.user + cpu.system) / 1e6).toFixed(1)} | ${d.principalComponents} | ${d.mixtureComponents} | ${before} → ${load()} | ${spans.slice(0, -1).join('; ')} |`,
      );
      process.stderr.write(`${lines.at(-1)}\n`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`mixture fit benchmark failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
