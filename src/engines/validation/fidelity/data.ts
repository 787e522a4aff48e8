import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TsiotError } from '../../../core/errors.js';
import type { Rng } from '../../../core/rng.js';
import type { TimeSeries } from '../../../core/types.js';
import { findColumn } from '../dataset.js';

/**
 * Windowed datasets for the TimeGAN-paper fidelity protocol (BENCHMARKS.md):
 * min-max scaling, window cutting, shuffling and splitting, and the Sines and
 * Stocks loaders. The benchmark, the fidelity validator and learned
 * generators share these so every one of them sees the data the same way.
 */

/** count windows × length steps × dim features, row-major, float32 as the networks use. */
export interface Windows {
  count: number;
  length: number;
  dim: number;
  data: Float32Array;
}

/** A rows × cols table, row-major. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

export interface Scaling {
  min: Float64Array;
  max: Float64Array;
}

/** The paper's scaling denominator guard: (x - min) / (max - min + 1e-7). */
export const SCALE_EPS = 1e-7;

/** Per-column minimum and maximum over the finite values. */
export function columnRange(m: Matrix): Scaling {
  const min = new Float64Array(m.cols).fill(Infinity);
  const max = new Float64Array(m.cols).fill(-Infinity);
  for (let r = 0; r < m.rows; r++) {
    for (let c = 0; c < m.cols; c++) {
      const v = m.data[r * m.cols + c]!;
      if (!Number.isFinite(v)) continue;
      if (v < min[c]!) min[c] = v;
      if (v > max[c]!) max[c] = v;
    }
  }
  return { min, max };
}

/** Min-max scale each column: (x - min) / (max - min + 1e-7), with the given or the table's own range. */
export function minMaxScale(m: Matrix, scaling: Scaling = columnRange(m)): Matrix {
  const out = new Float64Array(m.data.length);
  for (let r = 0; r < m.rows; r++) {
    for (let c = 0; c < m.cols; c++) {
      const i = r * m.cols + c;
      out[i] = (m.data[i]! - scaling.min[c]!) / (scaling.max[c]! - scaling.min[c]! + SCALE_EPS);
    }
  }
  return { rows: m.rows, cols: m.cols, data: out };
}

/**
 * Cut windows of `length` rows with `stride`, starting at row 0. `count`
 * limits how many are cut (the paper's Stocks set drops the last possible
 * window: rows - length windows). Windows holding a non-finite value are
 * skipped.
 */
export function cutWindows(m: Matrix, length: number, options: { stride?: number; count?: number } = {}): Windows {
  const stride = options.stride ?? 1;
  const possible = m.rows >= length ? Math.floor((m.rows - length) / stride) + 1 : 0;
  const wanted = Math.min(possible, options.count ?? possible);
  const size = length * m.cols;
  const data = new Float32Array(wanted * size);
  let count = 0;
  for (let w = 0; w < wanted; w++) {
    const start = w * stride * m.cols;
    let ok = true;
    for (let i = 0; i < size; i++) {
      const v = m.data[start + i]!;
      if (!Number.isFinite(v)) {
        ok = false;
        break;
      }
      data[count * size + i] = v;
    }
    if (ok) count++;
  }
  return { count, length, dim: m.cols, data: data.subarray(0, count * size) };
}

/** A new set holding the windows at the given indices, in that order. */
export function selectWindows(w: Windows, indices: readonly number[]): Windows {
  const size = w.length * w.dim;
  const data = new Float32Array(indices.length * size);
  indices.forEach((idx, k) => {
    data.set(w.data.subarray(idx * size, (idx + 1) * size), k * size);
  });
  return { count: indices.length, length: w.length, dim: w.dim, data };
}

/** The windows in a seeded random order. */
export function shuffleWindows(w: Windows, rng: Rng): Windows {
  return selectWindows(w, rng.shuffle(Array.from({ length: w.count }, (_, i) => i)));
}

/** Split after a seeded shuffle: the first `fraction` of windows and the rest. */
export function splitWindows(w: Windows, fraction: number, rng: Rng): [Windows, Windows] {
  const order = rng.shuffle(Array.from({ length: w.count }, (_, i) => i));
  const k = Math.round(fraction * w.count);
  return [selectWindows(w, order.slice(0, k)), selectWindows(w, order.slice(k))];
}

/** At most `max` windows, a seeded random subset in random order. */
export function sampleWindows(w: Windows, max: number, rng: Rng): Windows {
  if (w.count <= max) return w;
  return selectWindows(w, rng.shuffle(Array.from({ length: w.count }, (_, i) => i)).slice(0, max));
}

/** Concatenate window sets of the same shape. */
export function concatWindows(sets: readonly Windows[]): Windows {
  const first = sets[0];
  if (!first) throw new RangeError('no window sets to concatenate');
  const data = new Float32Array(sets.reduce((a, s) => a + s.data.length, 0));
  let o = 0;
  for (const s of sets) {
    if (s.length !== first.length || s.dim !== first.dim) throw new RangeError('window sets differ in shape');
    data.set(s.data, o);
    o += s.data.length;
  }
  return { count: data.length / (first.length * first.dim), length: first.length, dim: first.dim, data };
}

/**
 * The Sines dataset of the paper: `count` windows of `length` steps and `dim`
 * features; for each window and feature a frequency and a phase drawn from
 * U(0, 0.1), values sin(freq · t + phase) mapped to [0, 1].
 */
export function sines(rng: Rng, count = 10_000, length = 24, dim = 5): Windows {
  const data = new Float32Array(count * length * dim);
  for (let w = 0; w < count; w++) {
    for (let f = 0; f < dim; f++) {
      const freq = rng.nextDouble() * 0.1;
      const phase = rng.nextDouble() * 0.1;
      for (let t = 0; t < length; t++) data[(w * length + t) * dim + f] = (Math.sin(freq * t + phase) + 1) * 0.5;
    }
  }
  return { count, length, dim, data };
}

/** The nearest ancestor folder of this module holding a package.json (the repository or package root). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** Where the Stocks CSV is: TSIOT_STOCK_DATA, else the repository's own copy in bench/data/. */
export function stockDataPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.TSIOT_STOCK_DATA
    ? resolve(env.TSIOT_STOCK_DATA)
    : resolve(packageRoot(), 'bench', 'data', 'stock_data.csv');
}

/** Parse a numeric CSV with a header row into a table. */
export function parseCsv(text: string, source: string): { columns: string[]; table: Matrix } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new TsiotError('invalid_input', `${source}: expected a header and at least one data row`);
  const columns = lines[0]!.split(',').map((c) => c.trim());
  const data = new Float64Array((lines.length - 1) * columns.length);
  for (let r = 1; r < lines.length; r++) {
    const cells = lines[r]!.split(',');
    if (cells.length !== columns.length)
      throw new TsiotError(
        'invalid_input',
        `${source}: row ${r + 1} has ${cells.length} fields, the header has ${columns.length}`,
      );
    cells.forEach((cell, c) => {
      const v = Number(cell);
      if (!Number.isFinite(v))
        throw new TsiotError(
          'invalid_input',
          `${source}: row ${r + 1}, column "${columns[c]}" is not a number: ${JSON.stringify(cell)}`,
        );
      data[(r - 1) * columns.length + c] = v;
    });
  }
  return { columns, table: { rows: lines.length - 1, cols: columns.length, data } };
}

export interface StocksDataset {
  columns: string[];
  /** Rows of the CSV (oldest first). */
  rows: number;
  /** Scaled windows in file order (shuffle before use). */
  windows: Windows;
  /** The unscaled rows, oldest first. */
  table: Matrix;
  scaling: Scaling;
}

/**
 * The Stocks dataset: the CSV min-max scaled per column over the whole
 * series, windows of `length` with stride 1. As in the paper's code the last
 * possible window is not cut, giving rows - length windows (3,661 for the
 * 3,685-row file).
 */
export async function loadStocks(path = stockDataPath(), length = 24): Promise<StocksDataset> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new TsiotError('not_found', `Stock data not found at ${path}`, {
      hint: 'Set TSIOT_STOCK_DATA to the path of stock_data.csv.',
      cause,
    });
  }
  const { columns, table } = parseCsv(text, path);
  const scaling = columnRange(table);
  const windows = cutWindows(minMaxScale(table, scaling), length, { count: table.rows - length });
  return { columns, rows: table.rows, windows, table, scaling };
}

/** A series' columns as a rows × columns table (missing columns become NaN). */
export function seriesTable(s: TimeSeries, columns: readonly string[]): Matrix {
  const rows = s.timestamps.length;
  const data = new Float64Array(rows * columns.length);
  columns.forEach((name, c) => {
    const v = findColumn(s, name)?.values;
    for (let r = 0; r < rows; r++) data[r * columns.length + c] = v ? v[r]! : NaN;
  });
  return { rows, cols: columns.length, data };
}

export interface SeriesDataset {
  columns: string[];
  /** Rows of the series, in time order. */
  rows: number;
  /** Scaled windows in time order (shuffle before use); windows holding a missing value are left out. */
  windows: Windows;
  /** Windows left out because they hold a missing value. */
  skippedWindows: number;
  /** The unscaled rows, in time order (missing values NaN), and their time stamps. */
  table: Matrix;
  timestamps: Float64Array;
  scaling: Scaling;
}

/**
 * Any series as a dataset of the protocol, as Stocks is made: its numeric
 * columns min-max scaled over the whole series (over the values present),
 * windows of `length` with stride 1, in time order. Rows are sorted by time
 * first when they are not already; a window holding a missing value is left
 * out rather than filled, so the real windows are only what was measured.
 */
export function seriesDataset(series: TimeSeries, length = 24): SeriesDataset {
  const columns = series.columns.map((c) => c.name);
  const n = series.timestamps.length;
  const order = Array.from({ length: n }, (_, i) => i);
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) if (series.timestamps[i]! < series.timestamps[i - 1]!) sorted = false;
  if (!sorted) order.sort((a, b) => series.timestamps[a]! - series.timestamps[b]! || a - b);
  const data = new Float64Array(n * columns.length);
  order.forEach((r, i) => {
    series.columns.forEach((c, j) => {
      data[i * columns.length + j] = c.values[r]!;
    });
  });
  const table = { rows: n, cols: columns.length, data };
  const scaling = columnRange(table);
  const windows = cutWindows(minMaxScale(table, scaling), length);
  const possible = Math.max(0, n - length + 1);
  const timestamps = Float64Array.from(order, (r) => series.timestamps[r]!);
  return { columns, rows: n, windows, skippedWindows: possible - windows.count, table, timestamps, scaling };
}
