import { z } from 'zod';
import { TsiotError } from '../src/core/errors.js';
import { TimeSchema, parseTime } from '../src/core/time.js';
import type { TimeSeries } from '../src/core/types.js';
import { defineTool } from '../src/registry/tool.js';
import { SeriesSetSchema, resolveSeriesSets } from './series-input.js';

/** Most values read for one plot (both sides together). */
const MAX_PLOT_VALUES = 5_000_000;

const inputSchema = z.strictObject({
  series: SeriesSetSchema.describe(
    'What to draw: a stored id ("ser_…"), inline data, or a list of either (up to 12 lines in all).',
  ),
  compare: SeriesSetSchema.optional().describe(
    'Optional second set drawn over the first (e.g. synthetic over real), with value distributions beside each panel.',
  ),
  seriesLabel: z.string().min(1).max(40).default('a').describe('Legend prefix of `series` when comparing.'),
  compareLabel: z.string().min(1).max(40).default('b').describe('Legend prefix of `compare`.'),
  columns: z
    .array(z.string().min(1))
    .min(1)
    .max(8)
    .optional()
    .describe('Columns to draw, one panel each (default: all, up to 8).'),
  start: TimeSchema.optional().describe('Draw from this time on (inclusive): ISO 8601 or epoch ms.'),
  end: TimeSchema.optional().describe('Draw up to this time (inclusive).'),
  title: z.string().max(200).optional().describe('Title above the plot.'),
  labels: z.boolean().default(true).describe('Shade labelled anomalies (red) and imperfections (grey).'),
  format: z.enum(['png', 'svg']).default('png').describe('png (default, for any client) or svg.'),
  width: z.number().int().min(200).max(2400).default(800).describe('Width of a time panel, CSS pixels.'),
  height: z.number().int().min(80).max(800).default(180).describe('Height of each column panel, CSS pixels.'),
  scale: z
    .number()
    .min(0.5)
    .max(3)
    .default(1)
    .describe('PNG pixels per CSS pixel (2 = sharp on high-density screens).'),
  maxPoints: z
    .number()
    .int()
    .min(100)
    .max(20_000)
    .default(2_000)
    .describe('Most points drawn per line; longer lines are downsampled keeping each bucket’s extremes.'),
});

const outputSchema = z.object({
  format: z.enum(['png', 'svg']),
  mimeType: z.enum(['image/png', 'image/svg+xml']),
  width: z.number().int().describe('Image width in pixels.'),
  height: z.number().int().describe('Image height in pixels.'),
  bytes: z.number().int().describe('Size of the image.'),
  sha256: z.string().describe('Hash of the image bytes: the same request gives the same hash.'),
  columns: z.array(z.string()),
  lines: z.array(
    z.object({
      side: z.string(),
      series: z.string(),
      column: z.string(),
      points: z.number().int().describe('Rows of this line in the range.'),
      drawn: z.number().int().describe('Rows drawn (fewer when downsampled).'),
    }),
  ),
  labels: z.number().int().describe('Anomaly/imperfection intervals shaded.'),
  downsampled: z.boolean().describe('Some line had more than maxPoints rows and was downsampled.'),
  xAxis: z.enum(['time', 'index']).describe('index when compared series do not overlap in time.'),
  warnings: z.array(z.string()),
});

export const plotSeries = defineTool({
  name: 'plot_series',
  title: 'Plot series as an image',
  description:
    'Draw stored or inline series as a PNG to show your user: a panel per column, anomalies shaded, gaps visible; `compare` overlays a second set (real vs synthetic). Example: {"series": "ser_3fA9xQ", "columns": ["temperature"]}',
  details: [
    'Draw stored or inline series as a PNG (or SVG) you can show your user: one panel per column, anomalies shaded, gaps visible; with `compare`, a second set overlaid (real vs synthetic) plus value histograms.',
    'The image comes as MCP image content (REST: in `images`, or the raw image with Accept: image/png); the structured result describes what was drawn.',
    'Long series are downsampled to maxPoints per line keeping extremes, and the result says so. Same input, same bytes.',
    'Example: {"series": "ser_3fA9xQ", "columns": ["temperature"]}.',
  ].join(' '),
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  example: { series: 'ser_3fA9xQ', columns: ['temperature'] },
  routes: [{ method: 'POST', path: '/v1/plot' }],
  async handler(input, ctx) {
    const start = input.start !== undefined ? parseTime(input.start, 'start') : -Infinity;
    const end = input.end !== undefined ? parseTime(input.end, 'end') : Infinity;
    if (end < start)
      throw new TsiotError('invalid_input', `end: ${end} is before start (${start}); expected end ≥ start`, {
        details: { field: 'end' },
      });
    const sets = await resolveSeriesSets(
      ctx.engines,
      { series: input.series, ...(input.compare ? { compare: input.compare } : {}) },
      MAX_PLOT_VALUES,
    );
    const range = (list: TimeSeries[] | undefined) => (list ?? []).map((s) => sliceTime(s, start, end));
    const sides = [
      { label: input.seriesLabel, series: range(sets.series) },
      ...(sets.compare ? [{ label: input.compareLabel, series: range(sets.compare) }] : []),
    ];
    for (const side of sides)
      for (const s of side.series)
        if (s.timestamps.length === 0)
          throw new TsiotError('invalid_input', `start/end: "${s.name}" has no rows in the range`, {
            details: { field: 'start', series: s.name },
          });
    const columns = input.columns ?? sides[0]!.series[0]!.columns.slice(0, 8).map((c) => c.name);
    const { plotSeries: draw } = await import('../src/engines/plot/index.js');
    const { layout, image } = await draw(
      {
        sides,
        columns,
        ...(input.title !== undefined ? { title: input.title } : {}),
        width: input.width,
        height: input.height,
        maxPoints: input.maxPoints,
        labels: input.labels,
        distributions: sides.length > 1,
      },
      { format: input.format, scale: input.scale },
    );
    const structured = {
      format: image.format,
      mimeType: image.mimeType,
      width: image.width,
      height: image.height,
      bytes: image.bytes.length,
      sha256: image.sha256,
      columns: layout.columns,
      lines: layout.lines,
      labels: layout.labels,
      downsampled: layout.downsampled,
      xAxis: layout.xAxis,
      warnings: layout.warnings,
    };
    const drawn = layout.lines.reduce((n, l) => n + l.drawn, 0);
    const total = layout.lines.reduce((n, l) => n + l.points, 0);
    const summary =
      `Plotted ${new Set(layout.lines.map((l) => `${l.side}/${l.series}`)).size} series × ${layout.columns.length} columns ` +
      `as a ${image.width}×${image.height} ${image.format.toUpperCase()}` +
      (layout.downsampled ? `, downsampled (${drawn} of ${total} points drawn)` : '') +
      (layout.labels ? `, ${layout.labels} labelled intervals shaded` : '') +
      '.';
    return { structured, summary, images: [{ mimeType: image.mimeType, data: image.bytes }] };
  },
});

/** The rows of a series within [start, end] (timestamps are non-decreasing). */
function sliceTime(s: TimeSeries, start: number, end: number): TimeSeries {
  if (start === -Infinity && end === Infinity) return s;
  const lo = lowerBound(s.timestamps, start);
  const hi = lowerBound(s.timestamps, end, true);
  return {
    ...s,
    timestamps: s.timestamps.subarray(lo, hi),
    columns: s.columns.map((c) => ({ ...c, values: c.values.subarray(lo, hi) })),
    labels: s.labels.filter((l) => l.end >= start && l.start <= end),
  };
}

/** First index whose timestamp is >= t (> t when `after`). */
function lowerBound(ts: Float64Array, t: number, after = false): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (after ? ts[mid]! <= t : ts[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
