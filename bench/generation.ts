/**
 * Throughput of the statistical generator, single core.
 *
 *   node --import tsx bench/generation.ts [--values 10000000] [--runs 5]
 *
 * For each case it reports the median of several runs of
 * - fill:     allocating a Float64Array of the same number of values and filling it
 *             (the memory-bandwidth ceiling, measured in the same run), and filling
 *             an already allocated one;
 * - kernel:   the generation kernel (per-device sensors, Gaussian innovations,
 *             noise, trend and seasonalities into newly allocated columns);
 * - generate: the full generate() call (timestamps, labels, clipping, series objects).
 * and the ratios kernel / fill and generate / fill. Machines are shared and noisy:
 * compare ratios, not single absolute times.
 */
import { cpus, loadavg } from 'node:os';
import { createRng } from '../src/core/rng.js';
import { deviceSensors, renderColumns } from '../src/engines/generation/statistical/device.js';
import { statisticalGenerator } from '../src/engines/generation/statistical/index.js';
import { resolvePlan } from '../src/engines/generation/statistical/plan.js';
import { StatisticalParamsSchema, type StatisticalParamsInput } from '../src/engines/generation/statistical/schema.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const VALUES = Number(args.get('values') ?? 10_000_000);
const RUNS = Number(args.get('runs') ?? 5);

interface Case {
  name: string;
  input: StatisticalParamsInput;
}

const FLEET_DEVICES = 100;
const FLEET_SENSORS = 4;

const cases: Case[] = [
  {
    name: 'univariate: trend + daily cycle + AR(1) + white noise',
    input: {
      points: VALUES,
      interval: '1s',
      sensors: [
        {
          type: 'custom',
          level: 20,
          trend: { slope: 0.1 },
          seasonalities: [{ period: '1d', amplitude: 3 }],
          noise: { ar: [0.95], arStd: 0.2, std: 0.05 },
        },
      ],
    },
  },
  {
    name: `fleet: ${FLEET_DEVICES} devices × ${FLEET_SENSORS} sensors (temperature, humidity, pressure, power presets)`,
    input: {
      points: Math.round(VALUES / (FLEET_DEVICES * FLEET_SENSORS)),
      interval: '1m',
      devices: FLEET_DEVICES,
      sensors: [{ type: 'temperature' }, { type: 'humidity' }, { type: 'pressure' }, { type: 'power' }],
    },
  },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function timeIt(fn: () => unknown | Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

/** A per-point loop written the obvious way (Math.sin and a Box–Muller pair per point), for reference. */
function naive(n: number): Float64Array {
  const out = new Float64Array(n);
  let ar = 0;
  const w = (2 * Math.PI) / 86_400;
  for (let i = 0; i < n; i++) {
    const u1 = 1 - Math.random();
    const u2 = Math.random();
    const r = Math.sqrt(-2 * Math.log(u1));
    ar = 0.95 * ar + 0.2 * r * Math.cos(2 * Math.PI * u2);
    out[i] = 20 + (0.1 * i) / 86_400 + 3 * Math.sin(w * i) + ar + 0.05 * r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

interface Row {
  name: string;
  values: number;
  fillFresh: number;
  fillReused: number;
  kernel: number;
  generate: number;
  naive?: number;
}

async function measure(c: Case, withNaive: boolean): Promise<Row> {
  const params = StatisticalParamsSchema.parse(c.input);
  const plan = resolvePlan(params);
  const generator = statisticalGenerator.create();
  const values = generator.estimatePoints(params);
  const reused = new Float64Array(values);
  const kernel = async () => {
    const root = createRng(1);
    for (let d = 0; d < plan.devices; d++) {
      const sensors = deviceSensors(plan, root.fork(`device:${d}`), null);
      await renderColumns(sensors, plan.correlation, plan.timing.rows);
    }
  };
  const times: Record<keyof Omit<Row, 'name' | 'values'>, number[]> = {
    fillFresh: [],
    fillReused: [],
    kernel: [],
    generate: [],
    naive: [],
  };
  // one warm-up round so every path is optimised before timing
  for (let run = -1; run < RUNS; run++) {
    const t = {
      fillFresh: await timeIt(() => new Float64Array(values).fill(run + 0.5)),
      fillReused: await timeIt(() => reused.fill(run + 1.5)),
      kernel: await timeIt(kernel),
      generate: await timeIt(() => generator.generate(params, { rng: createRng(1) })),
      naive: withNaive ? await timeIt(() => naive(values)) : 0,
    };
    if (run < 0) continue;
    for (const k of Object.keys(times) as (keyof typeof times)[]) times[k].push(t[k]);
  }
  const rate = (xs: number[]) => values / median(xs) / 1e6;
  return {
    name: c.name,
    values,
    fillFresh: rate(times.fillFresh),
    fillReused: rate(times.fillReused),
    kernel: rate(times.kernel),
    generate: rate(times.generate),
    ...(withNaive ? { naive: rate(times.naive) } : {}),
  };
}

const loadBefore = loadavg()[0]!;
const rows: Row[] = [];
for (const [i, c] of cases.entries()) {
  process.stderr.write(`measuring ${c.name} …\n`);
  rows.push(await measure(c, i === 0));
}

const f = (x: number) => x.toFixed(1);
const r = (x: number) => x.toFixed(3);
console.log(`\n### Statistical generation throughput (M values/s, single core, median of ${RUNS} runs)\n`);
console.log(
  `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores (one used); load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after (other work on the machine lowers every figure).\n`,
);
console.log(
  '| case | values | fill, new array | fill, reused array | kernel | kernel / fill (new) | generate() | generate() / fill (new) |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const row of rows) {
  console.log(
    `| ${row.name} | ${row.values.toLocaleString('en-US')} | ${f(row.fillFresh)} | ${f(row.fillReused)} | ${f(row.kernel)} | ${r(row.kernel / row.fillFresh)} | ${f(row.generate)} | ${r(row.generate / row.fillFresh)} |`,
  );
}
const naiveRow = rows.find((x) => x.naive !== undefined);
if (naiveRow)
  console.log(
    `\nReference: the same univariate model written per point with Math.sin and Box–Muller: ${f(naiveRow.naive!)} M values/s (kernel is ${f(naiveRow.kernel / naiveRow.naive!)}× faster).`,
  );
