import { CheckList, fmt } from '../checks.js';
import { columnNames, selectColumns } from '../dataset.js';
import {
  columnRange,
  concatWindows,
  cutWindows,
  minMaxScale,
  sampleWindows,
  seriesTable,
  type Matrix,
  type Scaling,
} from '../fidelity/data.js';
import { discriminativeScore } from '../fidelity/discriminative.js';
import { predictiveScore } from '../fidelity/predictive.js';
import type { ValidationData, Validator, ValidatorContext, ValidatorOutput } from '../validator.js';

const NAME = 'fidelity';

export const FIDELITY_CHECKS = {
  discriminative: { name: 'discriminative_score', direction: 'at_most', threshold: 0.1 },
  predictive: { name: 'predictive_score_ratio', direction: 'at_most', threshold: 1.2 },
} as const;

/** Fewest windows per side. */
const MIN_WINDOWS = 10;

/**
 * The learned fidelity metrics of the TimeGAN paper on windows of the
 * reference and synthetic data (min-max scaled by the reference range):
 * discriminative score (can a GRU tell them apart?) and predictive score
 * (train on synthetic, test on real), the latter held against the same
 * network trained on real data. Slow: opt-in, iteration counts in rules.
 */
export const fidelityValidator: Validator = {
  name: NAME,
  description:
    'Learned fidelity metrics of the TimeGAN paper: discriminative score (a GRU classifier tries to tell real from synthetic windows; 0 = indistinguishable) and predictive score (a GRU trained on synthetic data predicts real data, compared with one trained on real data). Slow (seconds to minutes); opt-in.',
  requiresReference: true,
  async validate(data: ValidationData, ctx: ValidatorContext): Promise<ValidatorOutput> {
    const rules = ctx.rules;
    const opts = rules.fidelity;
    const out = new CheckList(NAME, rules);
    const reference = data.reference ?? [];
    const synCols = new Set(columnNames(data.synthetic));
    const columns = selectColumns(reference, rules.columns, 'reference').filter((c) => synCols.has(c));
    const na = (reason: string) => {
      for (const spec of Object.values(FIDELITY_CHECKS)) out.notApplicable(spec, reason);
      return { checks: out.checks };
    };
    if (columns.length === 0) return na('The reference and synthetic data share no column');
    const refTables = reference.map((s) => seriesTable(s, columns));
    const scaling = pooledRange(refTables);
    const windowsOf = (tables: Matrix[]) => {
      const sets = tables.map((t) => cutWindows(minMaxScale(t, scaling), opts.windowLength)).filter((w) => w.count > 0);
      return sets.length ? concatWindows(sets) : null;
    };
    const realAll = windowsOf(refTables);
    const synAll = windowsOf(data.synthetic.map((s) => seriesTable(s, columns)));
    if (!realAll || !synAll || realAll.count < MIN_WINDOWS || synAll.count < MIN_WINDOWS) {
      return na(
        `Too few complete windows of ${opts.windowLength} rows (reference ${realAll?.count ?? 0}, synthetic ${synAll?.count ?? 0}; need ${MIN_WINDOWS} each) — shorten rules.fidelity.windowLength or pass longer series`,
      );
    }
    const real = sampleWindows(realAll, opts.maxWindows, ctx.rng.fork('sample-real'));
    const syn = sampleWindows(synAll, opts.maxWindows, ctx.rng.fork('sample-synthetic'));
    const common = { batchSize: opts.batchSize, ...(ctx.signal ? { signal: ctx.signal } : {}) };
    const metrics: Record<string, unknown> = {
      windows: { real: real.count, synthetic: syn.count, length: opts.windowLength, columns },
    };

    const disc = await discriminativeScore(real, syn, ctx.rng.fork('discriminative'), {
      ...common,
      iterations: opts.discriminativeIterations,
    });
    out.add(
      FIDELITY_CHECKS.discriminative,
      disc.score,
      `A GRU classifier trained ${opts.discriminativeIterations} iterations tells real from synthetic windows with accuracy ${fmt(disc.accuracy)} (score |acc − 0.5| = ${fmt(disc.score)}; 0 = indistinguishable)`,
      {
        details: {
          accuracy: disc.accuracy,
          realAccuracy: disc.realAccuracy,
          syntheticAccuracy: disc.syntheticAccuracy,
          iterations: disc.iterations,
        },
      },
    );
    metrics.discriminative = summary(disc);

    if (columns.length < 2) {
      out.notApplicable(
        FIDELITY_CHECKS.predictive,
        'The predictive score needs at least two columns (the last is predicted from the others)',
      );
      return { checks: out.checks, metrics };
    }
    const tstr = await predictiveScore(syn, real, ctx.rng.fork('predictive'), {
      ...common,
      iterations: opts.predictiveIterations,
    });
    metrics.predictive = summary(tstr);
    if (!opts.baseline) {
      out.notApplicable(
        FIDELITY_CHECKS.predictive,
        `Predictive score (train on synthetic, test on real) is ${fmt(tstr.score)}; without the real-data baseline (rules.fidelity.baseline) there is no yardstick`,
      );
      return { checks: out.checks, metrics };
    }
    const trtr = await predictiveScore(real, real, ctx.rng.fork('predictive'), {
      ...common,
      iterations: opts.predictiveIterations,
    });
    metrics.predictiveBaseline = summary(trtr);
    out.add(
      FIDELITY_CHECKS.predictive,
      tstr.score / trtr.score,
      `Next-step MAE on real windows is ${fmt(tstr.score)} when trained on synthetic vs ${fmt(trtr.score)} when trained on real data (ratio ${fmt(tstr.score / trtr.score)})`,
      {
        details: { trainedOnSynthetic: tstr.score, trainedOnReal: trtr.score, iterations: opts.predictiveIterations },
      },
    );
    return { checks: out.checks, metrics };
  },
};

function pooledRange(tables: Matrix[]): Scaling {
  const ranges = tables.map((t) => columnRange(t));
  const cols = tables[0]?.cols ?? 0;
  const min = new Float64Array(cols).fill(Infinity);
  const max = new Float64Array(cols).fill(-Infinity);
  for (const r of ranges) {
    for (let c = 0; c < cols; c++) {
      min[c] = Math.min(min[c]!, r.min[c]!);
      max[c] = Math.max(max[c]!, r.max[c]!);
    }
  }
  return { min, max };
}

function summary(r: {
  score: number;
  iterations: number;
  losses: { iteration: number; loss: number }[];
  durationMs: number;
}) {
  return {
    score: r.score,
    iterations: r.iterations,
    firstLoss: r.losses[0]?.loss ?? null,
    lastLoss: r.losses[r.losses.length - 1]?.loss ?? null,
    durationMs: Math.round(r.durationMs),
  };
}
