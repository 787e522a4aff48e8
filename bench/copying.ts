/**
 * Does a learned generator copy its training windows? The fidelity protocol
 * trains on every real window, so it cannot tell a faithful model from one
 * that memorised; this benchmark holds half of the real windows out.
 *
 *   node --import tsx bench/copying.ts --generator mixture --dataset sines,stocks --runs 3
 *
 * Per run: the shuffled real windows are split in half; the generator is fit
 * on one half (training) and samples as many windows as the other half
 * (holdout). Reported, in the windows' own units (Euclidean distance per
 * value, RMS):
 *   - DCR ratio: median distance from a synthetic window to its closest
 *     training window, over the same for a holdout window. About 1 or more:
 *     synthetic windows are no closer to the training data than unseen real
 *     ones are; well below 1: copying.
 *   - exact copies: synthetic windows within 1e-6 of a training window.
 *   - closer than any holdout: share of synthetic windows closer to the
 *     training data than the 1st percentile of holdout windows.
 *
 *   - membership-inference advantage: the distance-to-closest-synthetic-record
 *     attack (the full black-box attack of Chen et al., "GAN-Leaks", CCS 2020):
 *     the attacker sees only the synthetic windows and calls a real window a
 *     member of the training data when its distance to the closest synthetic
 *     window is below a threshold. Members are the training windows,
 *     non-members the holdout windows (equal counts). Reported: the advantage
 *     max over thresholds of TPR − FPR (Yeom et al. 2018; 0 = the attacker
 *     does no better than chance, 1 = perfect) with the attacker's best
 *     threshold chosen after the fact (an upper bound on what a threshold set
 *     in advance achieves), and the AUC of the score (0.5 = chance).
 *
 * Options: --generator, --dataset, --runs (default 3), --seed, --fit-options
 * (as in bench/fidelity.ts), --label (the row's name in the table; default
 * the generator).
 */
import { parseInput } from '../src/core/input-errors.js';
import { createRng } from '../src/core/rng.js';
import { createBuiltinFactory } from '../src/engines/generation/builtin.js';
import { privateGenerators } from '../src/engines/privacy/learners/index.js';

/** The built-in learners and the private ones, as the server registers them. */
function benchFactory() {
  const f = createBuiltinFactory();
  for (const g of privateGenerators) f.register(g);
  return f;
}
import { prepareTrainingSequences } from '../src/engines/models/training-sequences.js';
import {
  loadStocks,
  sines,
  splitWindows,
  shuffleWindows,
  type Windows,
} from '../src/engines/validation/fidelity/data.js';
import { membershipInference } from '../src/engines/validation/stats/membership.js';
import { nearestTwo, type VectorSet } from '../src/engines/validation/stats/nearest.js';
import { pathsToWindows, windowSeries, withProtocolBounds } from './learned-sampler.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const generators = (args.get('generator') ?? 'mixture').split(',').filter(Boolean);
const datasets = (args.get('dataset') ?? 'sines,stocks').split(',').filter(Boolean);
const runs = Number(args.get('runs') ?? 3);
const baseSeed = args.get('seed') ?? '1';
const fitOptions = JSON.parse(args.get('fit-options') ?? '{}') as Record<string, unknown>;
const label = args.get('label');

const vectors = (w: Windows): VectorSet => ({ count: w.count, dim: w.length * w.dim, data: Float64Array.from(w.data) });
const median = (v: Float64Array) => {
  const s = Float64Array.from(v).sort();
  return s[Math.floor(s.length / 2)]!;
};
const f3 = (v: number) => v.toFixed(3);

async function main(): Promise<void> {
  const lines = [
    '| data | generator | DCR ratio (synthetic / holdout) | median DCR synthetic | median DCR holdout | exact copies | closer than 1% of holdout | MIA advantage | MIA AUC |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const name of datasets) {
    for (const g of generators) {
      const factory = benchFactory();
      if (!factory.fittable().includes(g)) throw new Error(`--generator: unknown generator "${g}"`);
      const learner = factory.learner(g);
      const rows: number[][] = [];
      for (let r = 0; r < runs; r++) {
        const rng = createRng(`${baseSeed}/${r}`);
        const stocks = name === 'sines' ? undefined : await loadStocks();
        const windows = stocks ? shuffleWindows(stocks.windows, rng.fork('shuffle')) : sines(rng.fork('sines'));
        const columns = stocks ? stocks.columns : ['f1', 'f2', 'f3', 'f4', 'f5'];
        const [train, holdout] = splitWindows(windows, 0.5, rng.fork('split'));
        const data = prepareTrainingSequences(windowSeries({ name, columns, windows: train }));
        const fitted = await learner.fit(
          data,
          parseInput(learner.fitOptionsSchema, withProtocolBounds(fitOptions, columns), `fit options for ${g}`),
          { rng: rng.fork('fit') },
        );
        const model = await learner.load(fitted.state);
        const synthetic = pathsToWindows(
          await model.sample({ length: train.length, count: holdout.count, context: 'none' }, rng.fork('sample')),
          train,
        );
        model.dispose();
        const per = Math.sqrt(train.length * train.dim);
        const base = vectors(train);
        const syn = nearestTwo(vectors(synthetic), base).first.map((d) => d / per);
        const hold = nearestTwo(vectors(holdout), base).first.map((d) => d / per);
        const p1 = Float64Array.from(hold).sort()[Math.floor(hold.length * 0.01)]!;
        // the attacker's view: each real window's distance to the closest synthetic one
        const toSynthetic = vectors(synthetic);
        const mia = membershipInference(
          nearestTwo(base, toSynthetic).first,
          nearestTwo(vectors(holdout), toSynthetic).first,
        );
        const row = [
          median(syn) / median(hold),
          median(syn),
          median(hold),
          syn.filter((d) => d <= 1e-6).length / syn.length,
          syn.filter((d) => d < p1).length / syn.length,
          mia.advantage,
          mia.auc,
        ];
        process.stderr.write(`${name} · ${g} · run ${r + 1}/${runs}: ${row.map(f3).join(' ')}\n`);
        rows.push(row);
      }
      const mean = (k: number) => rows.reduce((s, x) => s + x[k]!, 0) / rows.length;
      lines.push(
        `| ${name} | ${label ?? g} | ${f3(mean(0))} | ${f3(mean(1))} | ${f3(mean(2))} | ${(100 * mean(3)).toFixed(1)} % | ${(100 * mean(4)).toFixed(1)} % | ${f3(mean(5))} | ${f3(mean(6))} |`,
      );
    }
  }
  process.stdout.write(
    `${lines.join('\n')}\n\nMeans over ${runs} runs; distances are RMS per value on the windows' [0, 1] scale.\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`copying benchmark failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
