/**
 * The missing-value pattern of real data, learned and put back into copies.
 *
 * Each row has a pattern: the set of columns missing in it (most rows: none).
 * Rows form runs of one pattern; the model is a semi-Markov chain over
 * patterns: which pattern follows which (counts between runs) and how long a
 * run of each lasts (the observed run lengths, drawn from as they are). So a
 * copy has the data's missing rate per column, its run lengths (outages of 1
 * to 24 rows stay outages of 1 to 24 rows) and its co-missingness (columns
 * that fail together still fail together). Learner-independent: it marks
 * sampled paths after any learner made them.
 */
import type { Rng } from '../../../core/rng.js';
import type { TimeSeries } from '../../../core/types.js';
import type { SampledPath } from '../learner.js';

export interface MissingnessModel {
  version: 1;
  columns: string[];
  /** Row patterns: the indices of the columns missing (the first is the empty pattern). */
  patterns: number[][];
  /** Rows spent in each pattern. */
  rows: number[];
  /** Observed run lengths per pattern (evenly thinned past MAX_RUNS). */
  runs: number[][];
  /** Runs of pattern i followed by a run of pattern j. */
  transitions: number[][];
}

export interface ColumnMissingness {
  column: string;
  rate: number;
  /** Mean length of a run of missing values of this column. */
  meanRun: number;
  runs: number;
  /** Of this column's missing rows, the share in which each other column is missing too. */
  together: Record<string, number>;
}

/** Distinct patterns kept; rarer ones are read as the nearest kept one. */
const MAX_PATTERNS = 32;
const MAX_RUNS = 5000;

const keyOf = (p: number[]) => p.join(',');

/** Learn the pattern from raw series (before any gap filling); `columns` default to the first series'. */
export function learnMissingness(input: TimeSeries | readonly TimeSeries[], columns?: string[]): MissingnessModel {
  const series: readonly TimeSeries[] = Array.isArray(input) ? input : [input as TimeSeries];
  const names = columns ?? series[0]!.columns.map((c) => c.name);
  // Row patterns per series, as keys.
  const rowKeys: string[][] = series.map((s) => {
    const cols = names.map((n) => s.columns.find((c) => c.name === n)?.values);
    return Array.from(s.timestamps, (_, i) =>
      keyOf(names.flatMap((_, d) => (cols[d] && Number.isNaN(cols[d]![i]!) ? [d] : []))),
    );
  });
  const counts = new Map<string, number>([['', 0]]);
  for (const keys of rowKeys) for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  const kept = [...counts.entries()]
    .filter(([k]) => k !== '')
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, MAX_PATTERNS - 1)
    .map(([k]) => k);
  const patterns = [[], ...kept.map((k) => k.split(',').map(Number))];
  const index = new Map(patterns.map((p, i) => [keyOf(p), i]));
  const nearest = (k: string): number => {
    const hit = index.get(k);
    if (hit !== undefined) return hit;
    const set = new Set(k.split(',').map(Number));
    let best = 0;
    let bestDistance = Infinity;
    patterns.forEach((p, i) => {
      const distance = p.filter((d) => !set.has(d)).length + [...set].filter((d) => !p.includes(d)).length;
      if (distance < bestDistance) {
        best = i;
        bestDistance = distance;
      }
    });
    return best;
  };
  const P = patterns.length;
  const rows = new Array<number>(P).fill(0);
  const runs: number[][] = patterns.map(() => []);
  const transitions = patterns.map(() => new Array<number>(P).fill(0));
  for (const keys of rowKeys) {
    let current = -1;
    let length = 0;
    for (const k of keys) {
      const p = nearest(k);
      rows[p]!++;
      if (p === current) {
        length++;
        continue;
      }
      if (current >= 0) {
        runs[current]!.push(length);
        transitions[current]![p]!++;
      }
      current = p;
      length = 1;
    }
    if (current >= 0) runs[current]!.push(length);
  }
  return {
    version: 1,
    columns: names,
    patterns,
    rows,
    runs: runs.map((r) =>
      r.length > MAX_RUNS ? Array.from({ length: MAX_RUNS }, (_, i) => r[Math.floor((i * r.length) / MAX_RUNS)]!) : r,
    ),
    transitions,
  };
}

/** Draw an index with probability proportional to `weights` (all zero: undefined). */
function draw(weights: readonly number[], rng: Rng, skip = -1): number | undefined {
  let total = 0;
  for (let i = 0; i < weights.length; i++) if (i !== skip) total += weights[i]!;
  if (!(total > 0)) return undefined;
  let u = rng.nextDouble() * total;
  for (let i = 0; i < weights.length; i++) {
    if (i === skip) continue;
    u -= weights[i]!;
    if (u < 0) return i;
  }
  return weights.length - 1 === skip ? weights.length - 2 : weights.length - 1;
}

/** Row patterns for one path of `length` rows: indices into model.patterns. */
export function samplePatterns(model: MissingnessModel, length: number, rng: Rng): Uint16Array {
  const out = new Uint16Array(length);
  let p = draw(model.rows, rng) ?? 0;
  // The path starts inside a run: a run drawn by its length, entered at a uniform offset.
  const first = model.runs[p]!;
  let remaining = first.length ? 1 + rng.int(0, first[draw(first, rng) ?? 0]!) : length;
  let t = 0;
  while (t < length) {
    const end = Math.min(length, t + remaining);
    out.fill(p, t, end);
    t = end;
    const next = draw(model.transitions[p]!, rng, p) ?? draw(model.rows, rng, p) ?? p;
    p = next;
    const r = model.runs[p]!;
    remaining = r.length ? r[rng.int(0, r.length)]! : length;
  }
  return out;
}

/**
 * Copies with the learned missing-value pattern: NaN wherever a drawn row
 * pattern says so. `columns` names the paths' columns (default the model's);
 * columns the model does not know stay complete. `fill` returns the paths
 * untouched (gap-free copies).
 */
export function applyMissingness(
  model: MissingnessModel,
  paths: readonly SampledPath[],
  rng: Rng,
  options: { mode?: 'copy' | 'fill'; columns?: readonly string[] } = {},
): SampledPath[] {
  if (options.mode === 'fill') return paths.map((p) => p.map((c) => Float64Array.from(c)));
  const names = options.columns ?? model.columns;
  const target = model.columns.map((n) => names.indexOf(n));
  return paths.map((path) => {
    const out = path.map((c) => Float64Array.from(c));
    const rows = samplePatterns(model, path[0]?.length ?? 0, rng);
    for (let t = 0; t < rows.length; t++) {
      for (const d of model.patterns[rows[t]!]!) {
        const j = target[d]!;
        if (j >= 0) out[j]![t] = NaN;
      }
    }
    return out;
  });
}

/** Per column: rate, run lengths and co-missingness, measured on any set of series (real or copies). */
export function measureMissingness(
  series: readonly { columns: readonly { name: string; values: Float64Array }[] }[],
): ColumnMissingness[] {
  const names = series[0]?.columns.map((c) => c.name) ?? [];
  return names.map((name, d): ColumnMissingness => {
    let rows = 0;
    let missing = 0;
    let runs = 0;
    const together = new Array<number>(names.length).fill(0);
    for (const s of series) {
      const v = s.columns[d]!.values;
      rows += v.length;
      for (let i = 0; i < v.length; i++) {
        if (!Number.isNaN(v[i]!)) continue;
        missing++;
        if (i === 0 || !Number.isNaN(v[i - 1]!)) runs++;
        s.columns.forEach((c, e) => {
          if (e !== d && Number.isNaN(c.values[i]!)) together[e]!++;
        });
      }
    }
    return {
      column: name,
      rate: rows ? missing / rows : 0,
      meanRun: runs ? missing / runs : 0,
      runs,
      together: Object.fromEntries(
        names.flatMap((other, e) => (e !== d && missing ? [[other, together[e]! / missing]] : [])),
      ),
    };
  });
}

/** What was learned, per column, for describe_model. */
export function describeMissingness(model: MissingnessModel): ColumnMissingness[] {
  const total = model.rows.reduce((a, b) => a + b, 0);
  return model.columns.map((column, d): ColumnMissingness => {
    let missing = 0;
    let runRows = 0;
    let runCount = 0;
    const together = new Array<number>(model.columns.length).fill(0);
    model.patterns.forEach((p, i) => {
      if (!p.includes(d)) return;
      missing += model.rows[i]!;
      for (const e of p) if (e !== d) together[e]! += model.rows[i]!;
      for (const r of model.runs[i]!) {
        runRows += r;
        runCount++;
      }
    });
    return {
      column,
      rate: total ? missing / total : 0,
      // Runs of a pattern that contains the column (a column's own runs may span several patterns).
      meanRun: runCount ? runRows / runCount : 0,
      runs: runCount,
      together: Object.fromEntries(
        model.columns.flatMap((other, e) => (e !== d && missing ? [[other, together[e]! / missing]] : [])),
      ),
    };
  });
}
