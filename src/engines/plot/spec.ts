import type { AnomalyLabel, TimeSeries } from '../../core/types.js';
import { TsiotError } from '../../core/errors.js';
import { downsampleMinMax } from './downsample.js';

/** One side of a plot: the series drawn under one legend group. */
export interface PlotSide {
  /** Legend prefix when two sides are compared, e.g. "real" and "synthetic". */
  label?: string;
  series: TimeSeries[];
}

export interface PlotRequest {
  /** What is drawn; a second side overlays the first (real vs synthetic). */
  sides: PlotSide[];
  /** Columns to draw, one panel each (default: every column of the first series). */
  columns?: string[];
  title?: string;
  /** Width of a panel in CSS pixels. */
  width: number;
  /** Height of one column's panel in CSS pixels. */
  height: number;
  /** Most points drawn per line; longer lines keep each bucket's first, min, max and last. */
  maxPoints: number;
  /** Shade labelled anomaly intervals. */
  labels: boolean;
  /** With two sides: also draw each column's value distributions. */
  distributions: boolean;
}

export interface PlotLine {
  side: string;
  series: string;
  column: string;
  points: number;
  drawn: number;
}

export interface PlotLayout {
  spec: Record<string, unknown>;
  lines: PlotLine[];
  columns: string[];
  /** Labels shaded. */
  labels: number;
  downsampled: boolean;
  /** x is "time" when the sides overlap in time, else the row index of each series. */
  xAxis: 'time' | 'index';
  warnings: string[];
}

/** Most lines in one plot; more would make an unreadable legend. */
export const MAX_LINES = 12;

// Fixed colours (Tableau 10), so the same request always draws the same picture.
const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#e15759',
  '#76b7b2',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
  '#1f77b4',
  '#d62728',
];

interface Rect {
  x: number;
  x2: number;
  label: string;
  kind: 'anomaly' | 'imperfection';
}

interface Row {
  x: number;
  y: number | null;
  line: string;
}

/**
 * Turn series into a Vega-Lite spec: one panel per column with every line
 * (side × series) over time, anomaly intervals shaded, gaps left as breaks in
 * the line, and with two sides a histogram of each side's values beside it.
 * Data is inlined and times are drawn in UTC so the spec alone fixes the picture.
 */
export function buildPlotSpec(req: PlotRequest): PlotLayout {
  const sides = req.sides.filter((s) => s.series.length > 0);
  if (sides.length === 0) throw new TsiotError('invalid_input', 'series: give at least one series to plot');
  const first = sides[0]!.series[0]!;
  const columns = req.columns ?? first.columns.map((c) => c.name);
  if (columns.length === 0) throw new TsiotError('invalid_input', `series: "${first.name}" has no value columns`);
  for (const side of sides)
    for (const s of side.series)
      for (const name of columns)
        if (!s.columns.some((c) => c.name === name))
          throw new TsiotError(
            'invalid_input',
            `columns: "${name}" is not a column of "${s.name}" (it has ${s.columns.map((c) => c.name).join(', ') || 'none'})`,
            { details: { field: 'columns', example: s.columns.slice(0, 1).map((c) => c.name) } },
          );
  const lineCount = sides.reduce((n, s) => n + s.series.length, 0);
  if (lineCount > MAX_LINES)
    throw new TsiotError('too_large', `series: ${lineCount} series would be drawn; at most ${MAX_LINES} fit one plot`, {
      details: { field: 'series', series: lineCount, limit: MAX_LINES },
      hint: 'Plot fewer series, or compare two fleets with compare_series.',
    });

  const xAxis = sides.length > 1 && !overlapInTime(sides) ? 'index' : 'time';
  const warnings: string[] = [];
  if (xAxis === 'index')
    warnings.push('The compared series do not overlap in time, so they are drawn against their row number.');

  const names = lineNames(sides);
  const lines: PlotLine[] = [];
  const domain: string[] = [];
  let downsampled = false;
  let labelCount = 0;
  const panels: Record<string, unknown>[] = [];

  for (const column of columns) {
    const rows: Row[] = [];
    const rects: Rect[] = [];
    const values: { v: number; line: string }[] = [];
    sides.forEach((side, si) => {
      side.series.forEach((s, i) => {
        const line = names[si]![i]!;
        if (!domain.includes(line)) domain.push(line);
        const col = s.columns.find((c) => c.name === column)!;
        const { index, reduced } = downsampleMinMax(col.values, req.maxPoints);
        downsampled ||= reduced;
        for (const k of index) {
          const y = col.values[k]!;
          rows.push({ x: xAxis === 'time' ? s.timestamps[k]! : k, y: Number.isFinite(y) ? round(y) : null, line });
        }
        for (const y of col.values) if (Number.isFinite(y)) values.push({ v: y, line });
        lines.push({
          side: side.label ?? 'series',
          series: s.name,
          column,
          points: col.values.length,
          drawn: index.length,
        });
        if (req.labels && xAxis === 'time') {
          // a spike one sample long would be a hairline: widen each interval to at least 4 px
          const span = s.timestamps.length > 1 ? s.timestamps[s.timestamps.length - 1]! - s.timestamps[0]! : 1;
          const least = (4 * span) / req.width;
          for (const l of s.labels) {
            if (l.column !== undefined && l.column !== column) continue;
            const mid = (l.start + l.end) / 2;
            const half = Math.max(l.end - l.start, least) / 2;
            rects.push({ x: mid - half, x2: mid + half, label: labelKind(l), kind: l.kind });
            labelCount++;
          }
        }
      });
    });
    panels.push(panel(column, rows, rects, values, req, xAxis, sides.length > 1 && req.distributions));
  }

  const color = {
    scale: { domain, range: domain.map((_, i) => PALETTE[i % PALETTE.length]!) },
  };
  const spec: Record<string, unknown> = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(req.title ? { title: req.title } : {}),
    background: 'white',
    padding: 8,
    config: {
      font: 'DejaVu Sans',
      view: { stroke: '#ddd' },
      axis: { labelFontSize: 10, titleFontSize: 11, gridColor: '#eee' },
      legend: { labelFontSize: 10, titleFontSize: 11, labelLimit: 240 },
    },
    resolve: { scale: { color: 'shared' } },
    vconcat: panels.map((p) => withColor(p, color)),
  };
  return { spec, lines, columns, labels: labelCount, downsampled, xAxis, warnings };
}

function panel(
  column: string,
  rows: Row[],
  rects: Rect[],
  values: { v: number; line: string }[],
  req: PlotRequest,
  xAxis: 'time' | 'index',
  distributions: boolean,
): Record<string, unknown> {
  const x =
    xAxis === 'time'
      ? {
          field: 'x',
          type: 'temporal',
          title: 'time (UTC)',
          scale: { type: 'utc' },
          axis: { format: '%b %d %H:%M', labelAngle: 0, tickCount: 6 },
        }
      : { field: 'x', type: 'quantitative', title: 'row' };
  const layers: Record<string, unknown>[] = [];
  // anomalies red, imperfections (gaps, missing runs) grey, under the lines
  for (const [kind, fill] of [
    ['imperfection', '#9e9e9e'],
    ['anomaly', '#e15759'],
  ] as const) {
    const these = rects.filter((r) => r.kind === kind);
    if (these.length === 0) continue;
    layers.push({
      data: { values: these },
      mark: { type: 'rect', color: fill, opacity: kind === 'anomaly' ? 0.22 : 0.15 },
      encoding: { x, x2: { field: 'x2' }, tooltip: [{ field: 'label', type: 'nominal' }] },
    });
  }
  layers.push({
    data: { values: rows },
    mark: { type: 'line', strokeWidth: 1.2, interpolate: 'linear' },
    encoding: {
      x,
      y: { field: 'y', type: 'quantitative', title: column, scale: { zero: false } },
      color: { field: 'line', type: 'nominal', title: null },
    },
  });
  const time = { width: req.width, height: req.height, layer: layers };
  if (!distributions) return time;
  const hist = {
    width: Math.round(req.width / 3),
    height: req.height,
    data: { values: values.map((d) => ({ v: round(d.v), line: d.line })) },
    transform: [
      { bin: { maxbins: 40 }, field: 'v', as: ['b0', 'b1'] },
      { aggregate: [{ op: 'count', as: 'n' }], groupby: ['b0', 'b1', 'line'] },
      { joinaggregate: [{ op: 'sum', field: 'n', as: 'total' }], groupby: ['line'] },
      { calculate: 'datum.n / datum.total', as: 'share' },
    ],
    mark: { type: 'bar', opacity: 0.5, binSpacing: 0 },
    encoding: {
      x: { field: 'b0', type: 'quantitative', bin: { binned: true }, title: `${column} distribution` },
      x2: { field: 'b1' },
      y: { field: 'share', type: 'quantitative', stack: null, title: 'share of values', axis: { format: '.0%' } },
      color: { field: 'line', type: 'nominal', title: null },
    },
  };
  return { hconcat: [time, hist] };
}

function withColor(p: Record<string, unknown>, color: Record<string, unknown>): Record<string, unknown> {
  const paint = (layer: Record<string, unknown>): Record<string, unknown> => {
    const enc = layer.encoding as Record<string, Record<string, unknown>> | undefined;
    if (!enc?.color) return layer;
    return { ...layer, encoding: { ...enc, color: { ...enc.color, ...color } } };
  };
  if (Array.isArray(p.hconcat))
    return { hconcat: (p.hconcat as Record<string, unknown>[]).map((q) => withColor(q, color)) };
  if (Array.isArray(p.layer)) return { ...p, layer: (p.layer as Record<string, unknown>[]).map(paint) };
  return paint(p);
}

/** Legend names: the series name, prefixed by its side when two are compared, made unique. */
function lineNames(sides: PlotSide[]): string[][] {
  const seen = new Map<string, number>();
  return sides.map((side) =>
    side.series.map((s) => {
      const base = sides.length > 1 ? `${side.label ?? 'series'}: ${s.name}` : s.name;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      return n > 1 ? `${base} (${n})` : base;
    }),
  );
}

function overlapInTime(sides: PlotSide[]): boolean {
  const span = (side: PlotSide) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of side.series) {
      if (s.timestamps.length === 0) continue;
      lo = Math.min(lo, s.timestamps[0]!);
      hi = Math.max(hi, s.timestamps[s.timestamps.length - 1]!);
    }
    return [lo, hi] as const;
  };
  const [a0, a1] = span(sides[0]!);
  const [b0, b1] = span(sides[1]!);
  const overlap = Math.min(a1, b1) - Math.max(a0, b0);
  return overlap > 0.5 * Math.min(a1 - a0, b1 - b0);
}

function labelKind(l: AnomalyLabel): string {
  return `${l.type}${l.column ? ` (${l.column})` : ''}`;
}

/** Six significant digits: enough for a picture, and the spec stays small. */
function round(v: number): number {
  return Number(v.toPrecision(6));
}
