import type { TimeSeries } from '../../core/types.js';
import { acf } from '../validation/stats/acf.js';
import type { PlotSide } from './spec.js';

export interface AcfRequest {
  sides: PlotSide[];
  columns: string[];
  /** Largest lag drawn (fewer when a series is short). */
  maxLag: number;
  width: number;
  height: number;
  title?: string;
}

// the first two colours of the time plots, so real and synthetic look the same in both pictures
const COLOURS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759'];

/**
 * A Vega-Lite spec of each column's autocorrelation by lag, one line per side
 * (the mean over that side's series, so a fleet is one line): whether the
 * synthetic data keeps the real data's memory and cycles.
 */
export function buildAcfSpec(req: AcfRequest): { spec: Record<string, unknown>; maxLag: number } {
  const shortest = Math.min(...req.sides.flatMap((s) => s.series.map((x) => x.timestamps.length)));
  const maxLag = Math.max(1, Math.min(req.maxLag, Math.floor((shortest - 2) / 2)));
  const domain = req.sides.map((s, i) => s.label ?? `side ${i + 1}`);
  const panels = req.columns.map((column) => {
    const rows: { lag: number; r: number; side: string }[] = [];
    req.sides.forEach((side, i) => {
      const mean = meanAcf(side.series, column, maxLag);
      if (mean) for (let k = 0; k <= maxLag; k++) rows.push({ lag: k, r: round(mean[k]!), side: domain[i]! });
    });
    return {
      title: { text: `${column}: autocorrelation`, anchor: 'start', fontSize: 12 },
      width: req.width,
      height: req.height,
      data: { values: rows },
      layer: [
        { mark: { type: 'rule', color: '#999' }, encoding: { y: { datum: 0 } } },
        {
          mark: { type: 'line', point: { size: 12 }, strokeWidth: 1.5 },
          encoding: {
            x: { field: 'lag', type: 'quantitative', title: 'lag (rows)' },
            y: { field: 'r', type: 'quantitative', title: 'ACF', scale: { domain: [-1, 1] } },
            color: {
              field: 'side',
              type: 'nominal',
              title: null,
              scale: { domain, range: domain.map((_, j) => COLOURS[j % COLOURS.length]!) },
            },
          },
        },
      ],
    };
  });
  const spec: Record<string, unknown> = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(req.title ? { title: req.title } : {}),
    background: 'white',
    padding: 8,
    config: {
      font: 'DejaVu Sans',
      view: { stroke: '#ddd' },
      axis: { labelFontSize: 10, titleFontSize: 11, gridColor: '#eee' },
      legend: { labelFontSize: 10 },
    },
    vconcat: panels,
  };
  return { spec, maxLag };
}

/** The mean ACF of a column over series (constant or too-short series are left out); null when none has one. */
function meanAcf(series: TimeSeries[], column: string, maxLag: number): Float64Array | null {
  const sum = new Float64Array(maxLag + 1);
  let n = 0;
  for (const s of series) {
    const col = s.columns.find((c) => c.name === column);
    const r = col ? acf(col.values, maxLag) : null;
    if (!r) continue;
    for (let k = 0; k <= maxLag; k++) sum[k]! += r[k]!;
    n++;
  }
  if (n === 0) return null;
  for (let k = 0; k <= maxLag; k++) sum[k]! /= n;
  return sum;
}

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
