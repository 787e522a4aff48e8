import { TsiotError } from '../../../core/errors.js';
import { CheckList, fmt, pct } from '../checks.js';
import { buildReport, type ValidatorRun } from '../report.js';
import type { Rules, ValidationReport } from '../schema.js';
import { QUALITY_CHECKS } from '../validators/quality.js';
import { TEMPORAL_CHECKS } from '../validators/temporal.js';
import { P2Quantile } from './p2.js';
import { RunningAcf } from './running-acf.js';
import { RunningMoments } from './welford.js';

/** One row of a stream: a timestamp (epoch ms) and a value per column (null = missing). */
export interface StreamPoint {
  timestamp: number;
  values: Record<string, number | null>;
}

/** Several rows at once, columnar (a TimeSeries fits). */
export interface StreamBatch {
  timestamps: ArrayLike<number>;
  columns: readonly { name: string; values: ArrayLike<number>; range?: { min: number; max: number } }[];
}

export type StreamInput = StreamPoint | StreamBatch;

export type AlertKind =
  | 'gap'
  | 'duplicate_timestamp'
  | 'non_monotonic'
  | 'out_of_range'
  | 'flat_line'
  | 'outlier'
  | 'non_finite'
  | 'column_limit';

export interface StreamAlert {
  kind: AlertKind;
  column?: string;
  /** Row number in the stream (0-based). */
  row: number;
  timestamp: number;
  value?: number;
  message: string;
}

export interface ColumnSnapshot {
  count: number;
  missing: number;
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
  skewness: number | null;
  kurtosis: number | null;
  /** P² estimates keyed by quantile, e.g. {"0.5": 20.1}. */
  quantiles: Record<string, number | null>;
  /** Autocorrelation at lags 1..L (null until enough values). */
  acf: number[] | null;
  outliers: number;
  outOfRange: number;
  flatLineValues: number;
}

export interface StreamSnapshot {
  rows: number;
  timestamps: {
    duplicates: number;
    nonMonotonic: number;
    gaps: number;
    missingSamples: number;
    irregular: number;
    intervalMs: number | null;
  };
  columns: Record<string, ColumnSnapshot>;
  alerts: Partial<Record<AlertKind, number>>;
  /** Numbers held by the validator's state: constant in the stream length. */
  stateSize: number;
}

export type StreamEvent =
  | { type: 'alert'; alert: StreamAlert }
  | { type: 'summary'; snapshot: StreamSnapshot }
  | { type: 'final'; snapshot: StreamSnapshot; report: ValidationReport };

/** Distinct alert kinds (bounds the alert counters). */
const ALERT_KINDS = 8;

/** Most columns one stream may carry (bounds the state). */
const MAX_COLUMNS = 1000;
/** Intervals seen before the sampling interval estimate is trusted for gap alerts. */
const INTERVAL_WARMUP = 10;

class ColumnState {
  readonly moments = new RunningMoments();
  readonly quantiles: P2Quantile[];
  readonly q1: P2Quantile;
  readonly q3: P2Quantile;
  readonly acf: RunningAcf;
  missing = 0;
  nonFinite = 0;
  outliers = 0;
  outlierCandidates = 0;
  outOfRange = 0;
  rangeChecked = 0;
  flatValues = 0;
  private last = NaN;
  private run = 0;
  longestRun = 0;

  constructor(
    readonly name: string,
    rules: Rules,
    public range: { min: number; max: number } | undefined,
    private readonly raise: (kind: AlertKind, value: number, message: string) => void,
  ) {
    this.quantiles = rules.stream.quantiles.map((p) => new P2Quantile(p));
    this.q1 = this.quantiles.find((q) => q.p === 0.25) ?? new P2Quantile(0.25);
    this.q3 = this.quantiles.find((q) => q.p === 0.75) ?? new P2Quantile(0.75);
    this.acf = new RunningAcf(rules.stream.lags);
  }

  /** Feed one value (NaN = missing), raising alerts through the callback. */
  push(v: number, rules: Rules): void {
    const raise = this.raise;
    if (Number.isNaN(v)) {
      this.missing++;
      this.endRun(rules);
      return;
    }
    if (!Number.isFinite(v)) {
      this.nonFinite++;
      this.endRun(rules);
      raise('non_finite', v, `"${this.name}" reported ${v}`);
      return;
    }
    const r = this.range;
    if (r) {
      this.rangeChecked++;
      if (v < r.min || v > r.max) {
        this.outOfRange++;
        raise('out_of_range', v, `"${this.name}" = ${fmt(v)} is outside its range [${fmt(r.min)}, ${fmt(r.max)}]`);
      }
    }
    if (this.moments.n >= rules.stream.warmup) {
      const lo = this.q1.value;
      const hi = this.q3.value;
      const iqr = hi - lo;
      if (iqr > 0) {
        this.outlierCandidates++;
        const k = rules.stream.outlierIqrK;
        if (v < lo - k * iqr || v > hi + k * iqr) {
          this.outliers++;
          raise(
            'outlier',
            v,
            `"${this.name}" = ${fmt(v)} lies outside [Q1 - ${k}·IQR, Q3 + ${k}·IQR] = [${fmt(lo - k * iqr)}, ${fmt(hi + k * iqr)}]`,
          );
        }
      }
    }
    if (v === this.last) {
      this.run++;
      if (this.run === rules.stream.flatLineMinRun)
        raise('flat_line', v, `"${this.name}" has repeated ${fmt(v)} ${this.run} times in a row`);
    } else {
      this.endRun(rules);
      this.last = v;
      this.run = 1;
    }
    this.moments.push(v);
    for (const q of this.quantiles) q.push(v);
    if (!this.quantiles.includes(this.q1)) this.q1.push(v);
    if (!this.quantiles.includes(this.q3)) this.q3.push(v);
    this.acf.push(v);
  }

  private endRun(rules: Rules): void {
    if (this.run >= rules.stream.flatLineMinRun) this.flatValues += this.run;
    if (this.run > this.longestRun) this.longestRun = this.run;
    this.run = 0;
    this.last = NaN;
  }

  /** Flat-line values including a run still open. */
  flatSoFar(rules: Rules): number {
    return this.flatValues + (this.run >= rules.stream.flatLineMinRun ? this.run : 0);
  }

  snapshot(rules: Rules): ColumnSnapshot {
    const m = this.moments;
    const has = m.n > 0;
    const quantiles: Record<string, number | null> = {};
    for (const q of this.quantiles) quantiles[String(q.p)] = has ? q.value : null;
    const r = this.acf.values();
    return {
      count: m.n,
      missing: this.missing,
      mean: has ? m.mean : null,
      std: has ? m.std : null,
      min: has ? m.min : null,
      max: has ? m.max : null,
      skewness: m.skewness,
      kurtosis: m.kurtosis,
      quantiles,
      acf: r ? Array.from(r.subarray(1)) : null,
      outliers: this.outliers,
      outOfRange: this.outOfRange,
      flatLineValues: this.flatSoFar(rules),
    };
  }

  get stateSize(): number {
    let s = this.moments.stateSize + this.acf.stateSize + 16;
    for (const q of this.quantiles) s += q.stateSize;
    if (!this.quantiles.includes(this.q1)) s += this.q1.stateSize;
    if (!this.quantiles.includes(this.q3)) s += this.q3.stateSize;
    return s;
  }
}

/**
 * Validates an unbounded stream of rows in bounded memory: streaming moments
 * (Welford), P² quantiles, running autocorrelation, and detectors for gaps,
 * duplicate and out-of-order timestamps, range violations, outliers and flat
 * lines. Alerts are raised as rows arrive; a snapshot is emitted every
 * `rules.stream.emitEvery` rows; at the end a report with the quality and
 * temporal checks that a stream allows.
 */
export class StreamValidator {
  private readonly columns = new Map<string, ColumnState>();
  private readonly alertCounts = new Map<string, number>();
  private readonly pending: StreamAlert[] = [];
  private readonly interval = new P2Quantile(0.5);
  private rows = 0;
  private lastTs = NaN;
  private duplicates = 0;
  private backwards = 0;
  private gaps = 0;
  private missingSamples = 0;
  private irregular = 0;
  private intervals = 0;
  private largestGapMs = 0;
  private nextEmit: number;
  private readonly started = performance.now();

  constructor(private readonly rules: Rules) {
    this.nextEmit = rules.stream.emitEvery;
  }

  /** Consume a source, yielding alerts as they occur, periodic snapshots and a final report. */
  async *run(
    source: AsyncIterable<StreamInput> | Iterable<StreamInput>,
    signal?: AbortSignal,
  ): AsyncGenerator<StreamEvent> {
    for await (const item of source as AsyncIterable<StreamInput>) {
      if (signal?.aborted) throw new TsiotError('cancelled', 'Stream validation was cancelled');
      if (isBatch(item)) {
        const n = item.timestamps.length;
        for (const c of item.columns) {
          if (c.values.length !== n)
            throw new TsiotError(
              'invalid_input',
              `stream batch: column "${c.name}" has ${c.values.length} values but there are ${n} timestamps`,
              { details: { column: c.name } },
            );
        }
        const states = item.columns.map((c) => this.column(c.name, c.range));
        for (let i = 0; i < n; i++) {
          this.timestamp(item.timestamps[i]!);
          for (let j = 0; j < states.length; j++) states[j]?.push(item.columns[j]!.values[i]!, this.rules);
          yield* this.endRow();
        }
      } else {
        if (!item || typeof item.timestamp !== 'number' || typeof item.values !== 'object' || item.values === null) {
          throw new TsiotError(
            'invalid_input',
            `stream row ${this.rows}: expected {timestamp: epoch ms, values: {column: number | null}} or a batch {timestamps, columns}`,
            {
              details: { row: this.rows, example: { timestamp: 1735689600000, values: { temperature: 21.5 } } },
            },
          );
        }
        this.timestamp(item.timestamp);
        for (const [name, v] of Object.entries(item.values))
          this.column(name)?.push(v === null ? NaN : Number(v), this.rules);
        yield* this.endRow();
      }
    }
    yield { type: 'final', snapshot: this.snapshot(), report: this.report() };
  }

  /** Count the row, then hand out its alerts and, when due, a snapshot. */
  private *endRow(): Generator<StreamEvent> {
    this.rows++;
    while (this.pending.length) yield { type: 'alert', alert: this.pending.shift()! };
    if (this.rows >= this.nextEmit) {
      this.nextEmit += this.rules.stream.emitEvery;
      yield { type: 'summary', snapshot: this.snapshot() };
    }
  }

  private column(name: string, range?: { min: number; max: number }): ColumnState | undefined {
    let s = this.columns.get(name);
    if (!s) {
      if (this.columns.size >= MAX_COLUMNS) {
        this.raise(
          'column_limit',
          undefined,
          NaN,
          `column "${name}" ignored: a stream may carry at most ${MAX_COLUMNS} columns`,
        );
        return undefined;
      }
      s = new ColumnState(name, this.rules, range ?? this.rules.stream.ranges[name], (kind, value, message) =>
        this.raise(kind, name, value, message),
      );
      this.columns.set(name, s);
    } else if (range && !s.range) {
      s.range = range;
    }
    return s;
  }

  private raise(kind: AlertKind, column: string | undefined, value: number, message: string): void {
    const key = `${kind}\u0000${column ?? ''}`;
    const n = (this.alertCounts.get(key) ?? 0) + 1;
    this.alertCounts.set(key, n);
    if (n > this.rules.stream.maxAlertsPerKind) return;
    const suffix = n === this.rules.stream.maxAlertsPerKind ? ' (further alerts of this kind are only counted)' : '';
    this.pending.push({
      kind,
      ...(column !== undefined ? { column } : {}),
      row: this.rows,
      timestamp: this.lastTs,
      ...(Number.isNaN(value) ? {} : { value }),
      message: message + suffix,
    });
  }

  private timestamp(t: number): void {
    const prev = this.lastTs;
    if (!Number.isFinite(t)) {
      this.raise('non_monotonic', undefined, NaN, `row ${this.rows} has no valid timestamp (${t})`);
      this.backwards++;
      return;
    }
    this.lastTs = t;
    if (Number.isNaN(prev)) return;
    if (t === prev) {
      this.duplicates++;
      this.raise('duplicate_timestamp', undefined, NaN, `timestamp ${new Date(t).toISOString()} repeats`);
      return;
    }
    if (t < prev) {
      this.backwards++;
      this.raise(
        'non_monotonic',
        undefined,
        NaN,
        `timestamp ${new Date(t).toISOString()} is earlier than the previous ${new Date(prev).toISOString()}`,
      );
      return;
    }
    const dt = t - prev;
    this.intervals++;
    const expected =
      this.rules.stream.expectedIntervalMs ?? (this.interval.n >= INTERVAL_WARMUP ? this.interval.value : NaN);
    if (expected > 0) {
      if (dt > this.rules.stream.gapFactor * expected) {
        this.gaps++;
        this.missingSamples += Math.max(1, Math.round(dt / expected) - 1);
        if (dt > this.largestGapMs) this.largestGapMs = dt;
        this.raise(
          'gap',
          undefined,
          dt,
          `gap of ${fmt(dt)} ms (${fmt(dt / expected)}× the interval of ${fmt(expected)} ms) before ${new Date(t).toISOString()}`,
        );
        return;
      }
      if (Math.abs(dt - expected) > 0.1 * expected) this.irregular++;
    }
    this.interval.push(dt);
  }

  /** The current state, as a plain object. */
  snapshot(): StreamSnapshot {
    const columns: Record<string, ColumnSnapshot> = {};
    for (const [name, s] of this.columns) columns[name] = s.snapshot(this.rules);
    const alerts: Partial<Record<AlertKind, number>> = {};
    for (const [key, n] of this.alertCounts) {
      const kind = key.split('\u0000')[0] as AlertKind;
      alerts[kind] = (alerts[kind] ?? 0) + n;
    }
    const expected = this.rules.stream.expectedIntervalMs ?? (this.interval.n > 0 ? this.interval.value : null);
    return {
      rows: this.rows,
      timestamps: {
        duplicates: this.duplicates,
        nonMonotonic: this.backwards,
        gaps: this.gaps,
        missingSamples: this.missingSamples,
        irregular: this.irregular,
        intervalMs: expected,
      },
      columns,
      alerts,
      stateSize: this.stateSize,
    };
  }

  /**
   * Numbers held in the validator state: fixed per column (alert counters
   * counted at their bound, one per kind and column), so it does not grow
   * with the stream. Pending alerts are drained before the next row.
   */
  get stateSize(): number {
    let s = 32 + this.interval.stateSize + 2 * ALERT_KINDS * (this.columns.size + 1);
    for (const c of this.columns.values()) s += c.stateSize;
    return s;
  }

  /** The report on the stream so far: the quality and temporal checks a stream supports. */
  report(): ValidationReport {
    const rules = this.rules;
    const quality = new CheckList('quality', rules);
    const temporal = new CheckList('temporal', rules);
    const pairs = this.duplicates + this.backwards + this.intervals;
    if (pairs === 0) {
      const reason = 'Timestamp order needs at least two rows';
      quality.notApplicable(QUALITY_CHECKS.duplicates, reason);
      quality.notApplicable(QUALITY_CHECKS.nonMonotonic, reason);
      temporal.notApplicable(TEMPORAL_CHECKS.gaps, reason);
      temporal.notApplicable(TEMPORAL_CHECKS.irregular, reason);
    } else {
      quality.add(
        QUALITY_CHECKS.duplicates,
        this.duplicates / pairs,
        `${this.duplicates} of ${pairs} consecutive timestamps repeat the previous one`,
      );
      quality.add(
        QUALITY_CHECKS.nonMonotonic,
        this.backwards / pairs,
        `${this.backwards} of ${pairs} timestamps go back in time`,
      );
      const gapRate = this.missingSamples / (this.rows + this.missingSamples);
      temporal.add(
        TEMPORAL_CHECKS.gaps,
        gapRate,
        `${this.gaps} gaps leave about ${this.missingSamples} samples missing (${pct(gapRate)}); largest ${fmt(this.largestGapMs)} ms`,
      );
      temporal.add(
        TEMPORAL_CHECKS.irregular,
        this.intervals ? this.irregular / this.intervals : 0,
        `${this.irregular} of ${this.intervals} intervals deviate by more than 10% from the running median interval`,
      );
    }
    for (const [name, c] of this.columns) {
      const opts = { column: name };
      const total = c.moments.n + c.missing + c.nonFinite;
      if (total === 0) continue;
      quality.add(
        QUALITY_CHECKS.missing,
        c.missing / total,
        `${c.missing} of ${total} values of "${name}" are missing`,
        opts,
      );
      quality.add(
        QUALITY_CHECKS.nonFinite,
        c.nonFinite / total,
        `${c.nonFinite} values of "${name}" are ±Infinity`,
        opts,
      );
      if (c.range)
        quality.add(
          QUALITY_CHECKS.range,
          c.rangeChecked ? c.outOfRange / c.rangeChecked : 0,
          `${c.outOfRange} of ${c.rangeChecked} values of "${name}" fall outside [${fmt(c.range.min)}, ${fmt(c.range.max)}]`,
          opts,
        );
      else
        quality.notApplicable(
          QUALITY_CHECKS.range,
          `Column "${name}" declares no range (give rules.stream.ranges)`,
          opts,
        );
      if (c.outlierCandidates > 0)
        quality.add(
          QUALITY_CHECKS.outliers,
          c.outliers / c.outlierCandidates,
          `${c.outliers} of ${c.outlierCandidates} values of "${name}" after the warm-up lie beyond ${rules.stream.outlierIqrK}·IQR of the running quartiles`,
          opts,
        );
      else
        quality.notApplicable(
          QUALITY_CHECKS.outliers,
          `Outliers of "${name}" need ${rules.stream.warmup}+ values and a non-zero interquartile range`,
          opts,
        );
      const flat = c.flatSoFar(rules);
      quality.add(
        QUALITY_CHECKS.flatLines,
        c.moments.n ? flat / total : 0,
        `${pct(flat / total)} of the values of "${name}" sit in flat lines of ${rules.stream.flatLineMinRun}+ identical readings`,
        opts,
      );
    }
    const runs: ValidatorRun[] = [
      { name: 'quality', output: { checks: quality.checks }, durationMs: 0 },
      { name: 'temporal', output: { checks: temporal.checks }, durationMs: 0 },
    ];
    return buildReport(
      runs,
      { synthetic: [] },
      rules,
      [`Streaming validation of ${this.rows.toLocaleString('en-US')} rows with ${this.stateSize} numbers of state.`],
      performance.now() - this.started,
    );
  }
}

function isBatch(item: StreamInput): item is StreamBatch {
  return (
    typeof item === 'object' &&
    item !== null &&
    'timestamps' in item &&
    'columns' in item &&
    Array.isArray((item as StreamBatch).columns)
  );
}
