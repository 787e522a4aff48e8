/**
 * The fidelity benchmark of BENCHMARKS.md (TimeGAN-paper protocol).
 *
 *   node --import tsx bench/fidelity.ts --generator real --dataset sines,stocks --runs 5 [--iterations paper]
 *
 * Options:
 *   --generator   real (held-out real windows: the sanity row), gaussian (a
 *                 no-dynamics floor), or a learned generator: arima, rnn, timegan,
 *                 dgan (alias ydata). Learned generators are given the real
 *                 windows as independent sequences.
 *                 Several may be given, comma-separated.
 *                 default: what synthesize_like picks for the data as a person gives it
 *                 (one series: "statistical", fitted on the whole series in time order
 *                 with its defaults), sampled as one path as long as the data and cut
 *                 into windows like the real ones (Stocks and CSV datasets).
 *   --dataset     sines, stocks, or a path to any CSV file (ending in .csv), comma-separated
 *                 (default sines,stocks). A CSV is read as synthesize_like reads it (a time
 *                 column detected and dropped, empty / NA cells missing), its numeric columns
 *                 min-max scaled over the values present, windows of 24 with stride 1, windows
 *                 holding a missing value left out, shuffled.
 *   --discriminators  paper, strong, or both (default both): strong is the 1-D CNN of
 *                 src/engines/validation/fidelity/strong-discriminative.ts, trained with early
 *                 stopping on the same 80/20 split.
 *   --runs        runs per row, each with its own seed (default 5).
 *   --iterations  "paper" (2000 discriminative / 5000 predictive, the default),
 *                 "D,P", or one number N (N discriminative, 2.5·N predictive).
 *   --seed        base seed (default 1).
 *   --fit-options JSON options for a learned generator's fit, e.g. '{"jointIterations":200}'.
 *   --context     where learned samples start: random (default), none or end; a model fitted
 *                 on independent windows (rnn) starts random/none paths like a fresh window;
 *                 mixture's "random" continues a stretch of real data past the window's
 *                 end, so run it with --context none (as in docs/benchmarks.md).
 *   --constraints off (default: the learner's raw output, as in the tables so far) or learned
 *                 (inside the constraint layer, as fit_model and synthesize_like fit by default).
 *   --out         also write the markdown to this file.
 *   TSIOT_STOCK_DATA overrides the path of stock_data.csv (default bench/data/stock_data.csv).
 *
 * Prints a markdown table per dataset beside the published numbers: mean ±
 * standard deviation over the runs of the discriminative, predictive and
 * correlational scores, the mean marginal KS statistic, the ACF distance and
 * the generator's training + sampling time, the share of synthetic values
 * outside the real windows' range per feature (the data's bounds), and the
 * strong discriminator's score. Progress goes to stderr.
 */
import { LOCAL_CALLER } from '../src/core/caller.js';
import { ImportFolder } from '../src/engines/files/imports.js';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { cpus } from 'node:os';
import { createRng, type Rng } from '../src/core/rng.js';
import type { SampleContext } from '../src/engines/generation/learner.js';
import { loadDataInput } from '../src/engines/models/input.js';
import { loadStocks, seriesDataset, sines, stockDataPath } from '../src/engines/validation/fidelity/data.js';
import { defaultChoiceSampler, learnedSampler } from './learned-sampler.js';
import {
  PAPER_ITERATIONS,
  gaussianSampler,
  realSampler,
  runProtocol,
  shuffledDataset,
  spread,
  type FidelityDataset,
  type ProtocolRun,
  type WindowSampler,
} from '../src/engines/validation/fidelity/protocol.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');

const generators = (args.get('generator') ?? 'real')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const datasets = (args.get('dataset') ?? 'sines,stocks')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const runs = Number(args.get('runs') ?? 5);
const baseSeed = args.get('seed') ?? '1';
const iterations = parseIterations(args.get('iterations') ?? 'paper');
const fitOptions = JSON.parse(args.get('fit-options') ?? '{}') as Record<string, unknown>;
const context = (args.get('context') ?? 'random') as SampleContext;
const constraintsFlag = args.get('constraints') ?? 'off';
if (constraintsFlag !== 'off' && constraintsFlag !== 'learned')
  throw new Error(`--constraints: expected off or learned, got "${constraintsFlag}"`);
const constraints = constraintsFlag === 'learned';
const discriminators = new Set((args.get('discriminators') ?? 'paper,strong').split(',').map((s) => s.trim()));
for (const d of discriminators)
  if (d !== 'paper' && d !== 'strong') throw new Error(`--discriminators: expected paper and/or strong, got "${d}"`);

function parseIterations(spec: string): { discriminative: number; predictive: number } {
  if (spec === 'paper') return { ...PAPER_ITERATIONS };
  const parts = spec.split(',').map(Number);
  if (parts.length === 2 && parts.every((n) => Number.isInteger(n) && n > 0))
    return { discriminative: parts[0]!, predictive: parts[1]! };
  if (parts.length === 1 && Number.isInteger(parts[0]) && parts[0]! > 0)
    return { discriminative: parts[0]!, predictive: Math.round(parts[0]! * 2.5) };
  throw new Error(`--iterations: expected "paper", "D,P" or a number, got ${JSON.stringify(spec)}`);
}

/** Published numbers (BENCHMARKS.md): discriminative | predictive. */
const PUBLISHED: Record<string, { method: string; disc: string; pred: string }[]> = {
  sines: [
    { method: 'TimeGAN (paper)', disc: '.011 ± .008', pred: '.093 ± .019' },
    { method: 'RCGAN', disc: '.022', pred: '.097' },
    { method: 'TimeVAE (from Diffusion-TS)', disc: '.041', pred: '.093' },
    { method: 'Diffusion-TS (ICLR 2024)', disc: '.006', pred: '.093' },
    { method: 'Original data (predictive)', disc: '—', pred: '.094' },
  ],
  stocks: [
    { method: 'TimeGAN (paper)', disc: '.102 ± .021', pred: '.038 ± .001' },
    { method: 'RCGAN', disc: '.196', pred: '.040' },
    { method: 'TimeVAE (from Diffusion-TS)', disc: '.145', pred: '.039' },
    { method: 'Diffusion-TS (ICLR 2024)', disc: '.067', pred: '.036' },
    { method: 'Original data (predictive)', disc: '—', pred: '.036' },
  ],
};

async function loadDataset(name: string, rng: Rng): Promise<FidelityDataset> {
  if (name === 'sines') return { name, columns: ['f1', 'f2', 'f3', 'f4', 'f5'], windows: sines(rng.fork('sines')) };
  if (name === 'stocks') {
    const s = await loadStocks(stockDataPath());
    return { name, columns: s.columns, windows: s.windows, source: { ...s.table, scaling: s.scaling } };
  }
  if (name.toLowerCase().endsWith('.csv')) {
    // Read as synthesize_like reads a CSV path (the data engine's reader); storage is never reached for a path.
    const imports = new ImportFolder({ dir: dirname(resolve(name)) });
    const loaded = await loadDataInput(
      { csvPath: basename(name) },
      { storage: undefined as never, imports },
      LOCAL_CALLER,
    );
    const d = seriesDataset(loaded.series);
    progress(
      `${name}: ${d.rows} rows × ${d.columns.length} columns (${d.columns.join(', ')}); ${d.windows.count} windows${d.skippedWindows ? `, ${d.skippedWindows} left out for missing values` : ''}${loaded.notes.length ? `; ${loaded.notes.join('; ')}` : ''}`,
    );
    return {
      name: basename(name, '.csv'),
      columns: d.columns,
      windows: d.windows,
      source: { ...d.table, scaling: d.scaling, timestamps: d.timestamps },
    };
  }
  throw new Error(`--dataset: unknown dataset "${name}" (sines, stocks, or a path ending in .csv)`);
}

/** Datasets are loaded once per name (a CSV is parsed once, not per run). */
const loadedDatasets = new Map<string, Promise<FidelityDataset>>();
function datasetFor(name: string, rng: Rng): Promise<FidelityDataset> {
  if (name === 'sines') return loadDataset(name, rng);
  const known = loadedDatasets.get(name);
  if (known) return known;
  const p = loadDataset(name, rng);
  loadedDatasets.set(name, p);
  return p;
}

function samplerFor(name: string): WindowSampler {
  if (name === 'real') return realSampler;
  if (name === 'gaussian') return gaussianSampler;
  if (name === 'default') return defaultChoiceSampler({ progress, constraints });
  return learnedSampler(name, { fitOptions, context, progress, constraints });
}

function progress(message: string): void {
  process.stderr.write(`[fidelity ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

const f3 = (v: number) => (Math.abs(v) < 1 ? v.toFixed(3).replace(/^0\./, '.').replace(/^-0\./, '-.') : v.toFixed(3));
const cell = (values: number[]) => {
  const s = spread(values);
  return `${f3(s.mean)} ± ${f3(s.std)}`;
};

/** Mean training / sampling seconds of a row's runs, or the generator's total when it does not split them. */
function times(runs: readonly ProtocolRun[]): string {
  const mean = (f: (r: ProtocolRun) => number) => spread(runs.map(f)).mean;
  if (runs.every((r) => r.fitSeconds !== undefined))
    return `${mean((r) => r.fitSeconds!).toFixed(1)} / ${mean((r) => r.sampleSeconds!).toFixed(1)}`;
  return `${mean((r) => r.generatorSeconds).toFixed(1)} (both)`;
}

/** The commit measured, flagged when the working tree differs from it. */
function commit(): string {
  const git = (...a: string[]) =>
    execFileSync('git', a, { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  try {
    const head = git('rev-parse', '--short', 'HEAD');
    return git('status', '--porcelain') ? `${head} with uncommitted changes` : head;
  } catch {
    return 'no commit yet';
  }
}

async function main(): Promise<void> {
  const out: string[] = [];
  const started = new Date().toISOString();
  out.push(`# Fidelity benchmark (TimeGAN-paper protocol)`, '');
  out.push(
    `${runs} runs per row (seeds ${baseSeed}/0…${runs - 1}); discriminative ${iterations.discriminative} and predictive ${iterations.predictive} iterations, batch 128; mean ± std over runs.`,
  );
  out.push(
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, tfjs wasm backend; commit ${commit()}; started ${started}.`,
    '',
  );
  for (const name of datasets) {
    const rows: { label: string; runs: ProtocolRun[] }[] = [];
    for (const g of generators) {
      const sampler = samplerFor(g);
      const results: ProtocolRun[] = [];
      for (let r = 0; r < runs; r++) {
        const rng = createRng(`${baseSeed}/${r}`);
        const dataset = shuffledDataset(await datasetFor(name, rng), rng.fork('shuffle'));
        progress(
          `${name} · ${g} · run ${r + 1}/${runs}: ${dataset.windows.count} windows × ${dataset.windows.length} × ${dataset.windows.dim}`,
        );
        let lastShown = 0;
        const res = await runProtocol(dataset, sampler, rng, {
          discriminativeIterations: iterations.discriminative,
          predictiveIterations: iterations.predictive,
          ...(discriminators.has('strong') ? { strong: {} } : {}),
          onProgress: (p) => {
            if (p.done - lastShown >= 500 || p.done === p.total) {
              lastShown = p.done === p.total ? 0 : p.done;
              progress(`  ${p.message} ${p.done}/${p.total}`);
            }
          },
        });
        progress(
          `  disc ${f3(res.discriminative)}${res.strong ? ` strong ${f3(res.strong.score)} (${res.strong.iterations} steps, best at ${res.strong.bestIteration})` : ''} oor ${f3(res.outOfRange)} pred ${f3(res.predictive)} corr ${f3(res.correlational)} ks ${f3(spread(res.ks).mean)} acf ${f3(res.acfDistance)} (generator ${res.generatorSeconds.toFixed(1)} s${res.fitSeconds !== undefined ? ` = fit ${res.fitSeconds.toFixed(1)} + sample ${res.sampleSeconds!.toFixed(1)}` : ''}, metrics ${res.metricSeconds.toFixed(1)} s)`,
        );
        results.push(res);
      }
      const label =
        g === 'real'
          ? 'real vs real (ours, sanity)'
          : g === 'default'
            ? "synthesize_like's default (ours)"
            : `${g} (ours)`;
      rows.push({ label, runs: results });
    }
    const first = rows[0]?.runs[0];
    out.push(
      `## ${name === 'sines' ? 'Sines' : name === 'stocks' ? 'Stocks' : basename(name)} (${first ? `${first.realWindows.toLocaleString('en-US')} real vs ${first.syntheticWindows.toLocaleString('en-US')} synthetic windows` : ''})`,
      '',
    );
    const strong = discriminators.has('strong');
    out.push(
      `| method | discriminative | ${strong ? 'discriminative (strong CNN) | ' : ''}predictive | correlational | KS (mean) | ACF distance | out of range | train / sample time (s) |`,
      `|---|---|${strong ? '---|' : ''}---|---|---|---|---|---|`,
    );
    for (const row of rows) {
      const c = (f: (r: ProtocolRun) => number) => cell(row.runs.map(f));
      out.push(
        `| ${row.label} | ${c((r) => r.discriminative)} | ${strong ? `${c((r) => r.strong!.score)} | ` : ''}${c((r) => r.predictive)} | ${c((r) => r.correlational)} | ${c((r) => spread(r.ks).mean)} | ${c((r) => r.acfDistance)} | ${c((r) => r.outOfRange)} | ${times(row.runs)} |`,
      );
    }
    for (const p of PUBLISHED[name] ?? [])
      out.push(`| ${p.method} | ${p.disc} | ${strong ? '— | ' : ''}${p.pred} | — | — | — | — | — |`);
    out.push('');
  }
  out.push(
    'Lower is better for every score. Published rows are quoted from BENCHMARKS.md (their own machines and code).',
  );
  if (generators.some((g) => g !== 'real' && g !== 'gaussian') && datasets.includes('sines')) {
    out.push(
      'Learned generators are given the real windows as independent sequences (Sines: 10,000; Stocks: the training windows): rnn, dgan, timegan, mixture and the statistical remainder never learn across their joins; arima, which fits one series, sees them end to end.',
    );
  }
  const text = out.join('\n');
  process.stdout.write(`${text}\n`);
  if (args.get('out')) writeFileSync(args.get('out')!, `${text}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`fidelity benchmark failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
