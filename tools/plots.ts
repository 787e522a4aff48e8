import { z } from 'zod';
import type { TimeSeries } from '../src/core/types.js';
import type { ToolImage } from '../src/registry/tool.js';

/** The `plots` option of the tools that compare real and synthetic data. */
export const PlotsOptionSchema = z
  .boolean()
  .default(false)
  .describe(
    'Also return PNG images to show your user: real vs synthetic over time with value histograms, and each column’s autocorrelation.',
  );

/** What the result says about each image it carries (the images themselves are MCP image content). */
export const PlotInfoSchema = z.object({
  kind: z.enum(['overlay', 'acf']).describe('overlay: both sides over time with histograms; acf: autocorrelation.'),
  mimeType: z.literal('image/png'),
  width: z.number().int(),
  height: z.number().int(),
  bytes: z.number().int(),
  sha256: z.string().describe('Hash of the PNG: the same request gives the same image.'),
  notes: z.array(z.string()).describe('What was left out or downsampled.'),
});
export type PlotInfo = z.infer<typeof PlotInfoSchema>;

/** Series per side in the overlay (the plot holds 12 lines at most). */
const SERIES_PER_SIDE = 3;
/** Columns drawn, one panel each. */
const MAX_COLUMNS = 4;
const MAX_LAG = 48;

/**
 * The pictures of a comparison: the overlay (first series of each side, with
 * value histograms) and the mean ACF of each column. Deterministic: the same
 * data gives the same PNG bytes (fixed colours, embedded font).
 */
export async function comparisonPlots(
  real: TimeSeries[],
  synthetic: TimeSeries[],
  options: { labels?: [string, string]; columns?: string[] } = {},
): Promise<{ images: ToolImage[]; plots: PlotInfo[] }> {
  const [a, b] = options.labels ?? ['real', 'synthetic'];
  // numeric columns both sides have (text columns, coded as categories, are not drawn)
  const shared = (options.columns ?? real[0]?.columns.filter((c) => !c.levels).map((c) => c.name) ?? []).filter(
    (name) => [...real, ...synthetic].every((s) => s.columns.some((c) => c.name === name && !c.levels)),
  );
  const columns = shared.slice(0, MAX_COLUMNS);
  if (columns.length === 0 || real.length === 0 || synthetic.length === 0) return { images: [], plots: [] };
  const notes: string[] = [];
  if (shared.length > columns.length) notes.push(`${columns.length} of ${shared.length} columns drawn.`);
  const sides = [
    { label: a, series: real.slice(0, SERIES_PER_SIDE) },
    { label: b, series: synthetic.slice(0, SERIES_PER_SIDE) },
  ];
  for (const [side, all] of [
    [a, real],
    [b, synthetic],
  ] as const)
    if (all.length > SERIES_PER_SIDE) notes.push(`${SERIES_PER_SIDE} of ${all.length} ${side} series drawn.`);
  const { plotSeries, buildAcfSpec, renderSpec } = await import('../src/engines/plot/index.js');
  const overlay = await plotSeries(
    { sides, columns, width: 720, height: 150, maxPoints: 2_000, labels: true, distributions: true },
    { format: 'png', scale: 1 },
  );
  const acf = buildAcfSpec({
    sides: [
      { label: a, series: real },
      { label: b, series: synthetic },
    ],
    columns,
    maxLag: MAX_LAG,
    width: 720,
    height: 120,
  });
  const acfImage = await renderSpec(acf.spec, { format: 'png', scale: 1 });
  const info = (kind: PlotInfo['kind'], img: typeof acfImage, extra: string[]): PlotInfo => ({
    kind,
    mimeType: 'image/png',
    width: img.width,
    height: img.height,
    bytes: img.bytes.length,
    sha256: img.sha256,
    notes: extra,
  });
  return {
    images: [
      { mimeType: 'image/png', data: overlay.image.bytes },
      { mimeType: 'image/png', data: acfImage.bytes },
    ],
    plots: [
      info('overlay', overlay.image, [
        ...notes,
        ...overlay.layout.warnings,
        ...(overlay.layout.downsampled ? ['Long lines downsampled, keeping each bucket’s extremes.'] : []),
      ]),
      info('acf', acfImage, [`Lags 0–${acf.maxLag}, mean over each side’s series.`]),
    ],
  };
}
