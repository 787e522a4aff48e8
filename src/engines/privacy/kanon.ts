/**
 * k-anonymity and l-diversity over records of device attributes (site,
 * model, firmware, location cell …): a check (the smallest equivalence class
 * and the groups below k or below l), and enforcement by generalisation
 * hierarchies plus suppression, searching the lattice of generalisation levels
 * for the least information loss (the idea of Samarati's and Incognito's
 * full-domain generalisation, bounded to a fixed number of lattice nodes).
 *
 * Hierarchies, level 0 = the value itself, the top level = "*":
 * - interval: numbers into intervals of growing width ("[20, 30)");
 * - mask: strings with the last 1, 2, … characters replaced by "*";
 * - prefix: strings cut to their first n characters (geohash cells coarsen this way);
 * - time: timestamps truncated to hour, day, month, year;
 * - suppress: the value or "*".
 */
import { TsiotError } from '../../core/errors.js';

export type AttrValue = string | number | boolean | null;
export type RecordRow = Record<string, AttrValue>;

export type Hierarchy =
  | { type: 'interval'; widths: number[] }
  | { type: 'mask'; maxMasked?: number }
  | { type: 'prefix'; lengths: number[] }
  | { type: 'time'; levels?: ('hour' | 'day' | 'month' | 'year')[] }
  | { type: 'suppress' };

export interface ClassInfo {
  values: Record<string, AttrValue>;
  size: number;
  distinctSensitive?: number;
}

export interface KCheck {
  k: number;
  l?: number;
  records: number;
  classes: number;
  smallestClass: number;
  /** Fewest distinct sensitive values in a class (l-diversity), when a sensitive attribute is given. */
  leastDiverse?: number;
  satisfied: boolean;
  /** Classes below k (or below l), smallest first, at most 50. */
  violating: ClassInfo[];
  violatingRecords: number;
}

function checkFields(rows: RecordRow[], fields: string[], what: string): void {
  if (rows.length === 0)
    throw new TsiotError('invalid_input', 'records: expected at least one record', { details: { field: 'records' } });
  const known = new Set(rows.flatMap((r) => Object.keys(r)));
  for (const f of fields)
    if (!known.has(f))
      throw new TsiotError(
        'invalid_input',
        `${what}: "${f}" is not an attribute of any record (known: ${[...known].slice(0, 20).join(', ')})`,
        {
          details: { field: what, unknown: f, known: [...known].slice(0, 50) },
        },
      );
}

const keyOf = (r: RecordRow, qis: string[]) => JSON.stringify(qis.map((q) => r[q] ?? null));

/** Equivalence classes of the rows on the quasi-identifiers, and whether they reach k (and l). */
export function checkKAnonymity(rows: RecordRow[], qis: string[], k: number, sensitive?: string, l?: number): KCheck {
  checkFields(rows, qis, 'quasiIdentifiers');
  if (sensitive !== undefined) checkFields(rows, [sensitive], 'sensitive');
  if (!(Number.isInteger(k) && k >= 1))
    throw new TsiotError('invalid_input', `k: expected an integer ≥ 1, got ${k}`, {
      details: { field: 'k', example: 5 },
    });
  const classes = new Map<string, { size: number; values: Record<string, AttrValue>; sens: Set<string> }>();
  for (const r of rows) {
    const key = keyOf(r, qis);
    let c = classes.get(key);
    if (!c) {
      c = { size: 0, values: Object.fromEntries(qis.map((q) => [q, r[q] ?? null])), sens: new Set() };
      classes.set(key, c);
    }
    c.size++;
    if (sensitive !== undefined) c.sens.add(JSON.stringify(r[sensitive] ?? null));
  }
  const all = [...classes.values()];
  const lNeed = sensitive !== undefined ? (l ?? 1) : 1;
  const bad = all.filter((c) => c.size < k || (sensitive !== undefined && c.sens.size < lNeed));
  bad.sort((a, b) => a.size - b.size);
  return {
    k,
    ...(sensitive !== undefined ? { l: lNeed } : {}),
    records: rows.length,
    classes: all.length,
    smallestClass: Math.min(...all.map((c) => c.size)),
    ...(sensitive !== undefined ? { leastDiverse: Math.min(...all.map((c) => c.sens.size)) } : {}),
    satisfied: bad.length === 0,
    violating: bad.slice(0, 50).map((c) => ({
      values: c.values,
      size: c.size,
      ...(sensitive !== undefined ? { distinctSensitive: c.sens.size } : {}),
    })),
    violatingRecords: bad.reduce((s, c) => s + c.size, 0),
  };
}

/** Levels of a hierarchy above the value itself (the last one is "*"). */
export function heightOf(h: Hierarchy, rows: RecordRow[], field: string): number {
  switch (h.type) {
    case 'interval':
      return h.widths.length + 1;
    case 'prefix':
      return h.lengths.length + 1;
    case 'time':
      return (h.levels ?? ['hour', 'day', 'month', 'year']).length + 1;
    case 'suppress':
      return 1;
    case 'mask': {
      const longest = Math.max(...rows.map((r) => String(r[field] ?? '').length));
      return Math.min(h.maxMasked ?? longest, longest) + 1;
    }
  }
}

function truncateTime(ms: number, level: 'hour' | 'day' | 'month' | 'year'): string {
  const d = new Date(ms);
  const iso = d.toISOString();
  switch (level) {
    case 'hour':
      return `${iso.slice(0, 13)}h`;
    case 'day':
      return iso.slice(0, 10);
    case 'month':
      return iso.slice(0, 7);
    case 'year':
      return iso.slice(0, 4);
  }
}

/** The value generalised to `level` of its hierarchy (0: itself; the height: "*"). */
export function generalise(h: Hierarchy, value: AttrValue, level: number, height: number): AttrValue {
  if (level === 0) return value;
  if (level >= height || value === null) return '*';
  switch (h.type) {
    case 'interval': {
      const w = h.widths[level - 1]!;
      const x = Number(value);
      if (!Number.isFinite(x)) return '*';
      const lo = Math.floor(x / w) * w;
      return `[${lo}, ${lo + w})`;
    }
    case 'prefix':
      return `${String(value).slice(0, h.lengths[level - 1]!)}*`;
    case 'mask': {
      const s = String(value);
      const keep = Math.max(0, s.length - level);
      return s.slice(0, keep) + '*'.repeat(s.length - keep);
    }
    case 'time': {
      const levels = h.levels ?? ['hour', 'day', 'month', 'year'];
      const ms = typeof value === 'number' ? value : Date.parse(String(value));
      return Number.isFinite(ms) ? truncateTime(ms, levels[level - 1]!) : '*';
    }
    case 'suppress':
      return '*';
  }
}

export interface EnforceOptions {
  k: number;
  sensitive?: string;
  l?: number;
  hierarchies: Record<string, Hierarchy>;
  /** Largest share of records that may be suppressed (removed) to reach k, 0–1. Default 0.05. */
  maxSuppression?: number;
}

export interface EnforceResult {
  records: RecordRow[];
  levels: Record<string, number>;
  heights: Record<string, number>;
  suppressed: number;
  /** Information loss: mean generalisation height used (0 = none, 1 = all "*"), Sweeney's precision loss. */
  precisionLoss: number;
  /** Discernibility metric: Σ class size² plus suppressed × records (lower is better). */
  discernibility: number;
  check: KCheck;
  nodesSearched: number;
  /** Whether every lattice node was tried (else the best of the first ones, in order of total height). */
  exhaustive: boolean;
}

/** Most lattice nodes tried, and most node × record evaluations (the search stays within seconds). */
const MAX_NODES = 20_000;
const MAX_WORK = 20_000_000;

/**
 * Generalise and suppress until every class has at least k records (and l
 * distinct sensitive values): the lattice node with the least precision loss
 * (ties: least suppression, then discernibility) whose violating records fit
 * in the suppression allowance.
 */
export function enforceKAnonymity(rows: RecordRow[], qis: string[], options: EnforceOptions): EnforceResult {
  checkFields(rows, qis, 'quasiIdentifiers');
  for (const f of Object.keys(options.hierarchies))
    if (!qis.includes(f))
      throw new TsiotError('invalid_input', `hierarchies.${f}: not one of the quasi-identifiers (${qis.join(', ')})`, {
        details: { field: `hierarchies.${f}` },
      });
  const maxSuppression = options.maxSuppression ?? 0.05;
  const hs = qis.map((q) => options.hierarchies[q] ?? ({ type: 'suppress' } as Hierarchy));
  const heights = qis.map((q, i) => heightOf(hs[i]!, rows, q));
  const allowed = Math.floor(maxSuppression * rows.length);
  let best: { levels: number[]; loss: number; suppressed: number; disc: number } | undefined;
  let nodes = 0;
  const cap = Math.max(1, Math.min(MAX_NODES, Math.floor(MAX_WORK / rows.length)));
  // every level vector, in order of total height, up to the node cap
  const total = heights.reduce((a, b) => a + b, 0);
  for (let sum = 0; sum <= total && nodes < cap; sum++) {
    for (const levels of vectorsWithSum(heights, sum)) {
      if (++nodes > cap) break;
      const loss = levels.reduce((s, l, i) => s + l / heights[i]!, 0) / qis.length;
      if (best && loss > best.loss) continue;
      const gen = rows.map((r) => generaliseRow(r, qis, hs, heights, levels));
      const c = checkKAnonymity(gen, qis, options.k, options.sensitive, options.l);
      if (c.violatingRecords > allowed) continue;
      const disc = discernibility(gen, qis, c);
      if (
        !best ||
        loss < best.loss ||
        (loss === best.loss &&
          (c.violatingRecords < best.suppressed || (c.violatingRecords === best.suppressed && disc < best.disc)))
      )
        best = { levels, loss, suppressed: c.violatingRecords, disc };
    }
  }
  if (!best)
    throw new TsiotError(
      'unsupported',
      `no generalisation within the hierarchies reaches k = ${options.k} with at most ${Math.round(maxSuppression * 100)}% suppressed`,
      {
        details: { field: 'k', k: options.k, maxSuppression },
        hint: 'Allow more suppression (maxSuppression), give coarser hierarchies, or lower k.',
      },
    );
  const gen = rows.map((r) => generaliseRow(r, qis, hs, heights, best!.levels));
  const badKeys = violatingKeys(gen, qis, options.k, options.sensitive, options.l);
  const kept = gen.filter((r) => !badKeys.has(keyOf(r, qis)));
  return {
    records: kept,
    levels: Object.fromEntries(qis.map((q, i) => [q, best!.levels[i]!])),
    heights: Object.fromEntries(qis.map((q, i) => [q, heights[i]!])),
    suppressed: rows.length - kept.length,
    precisionLoss: best.loss,
    discernibility: best.disc,
    check: checkKAnonymity(kept.length ? kept : gen, qis, options.k, options.sensitive, options.l),
    nodesSearched: Math.min(nodes, cap),
    exhaustive: nodes <= cap,
  };
}

function generaliseRow(r: RecordRow, qis: string[], hs: Hierarchy[], heights: number[], levels: number[]): RecordRow {
  const out: RecordRow = { ...r };
  qis.forEach((q, i) => {
    out[q] = generalise(hs[i]!, r[q] ?? null, levels[i]!, heights[i]!);
  });
  return out;
}

/** Keys of the classes below k (or below l distinct sensitive values). */
function violatingKeys(rows: RecordRow[], qis: string[], k: number, sensitive?: string, l?: number): Set<string> {
  const classes = new Map<string, { size: number; sens: Set<string> }>();
  for (const r of rows) {
    const key = keyOf(r, qis);
    let c = classes.get(key);
    if (!c) {
      c = { size: 0, sens: new Set() };
      classes.set(key, c);
    }
    c.size++;
    if (sensitive !== undefined) c.sens.add(JSON.stringify(r[sensitive] ?? null));
  }
  const bad = new Set<string>();
  for (const [key, c] of classes) if (c.size < k || (sensitive !== undefined && c.sens.size < (l ?? 1))) bad.add(key);
  return bad;
}

function discernibility(rows: RecordRow[], qis: string[], c: KCheck): number {
  const sizes = new Map<string, number>();
  for (const r of rows) sizes.set(keyOf(r, qis), (sizes.get(keyOf(r, qis)) ?? 0) + 1);
  let d = 0;
  for (const s of sizes.values()) d += s * s;
  // suppressed records count as indistinguishable from all
  return d + c.violatingRecords * rows.length;
}

/** Every vector v with 0 ≤ v_i ≤ heights_i and Σ v = sum. */
function* vectorsWithSum(heights: number[], sum: number, from = 0): Generator<number[]> {
  if (from === heights.length - 1) {
    if (sum <= heights[from]!) yield [sum];
    return;
  }
  for (let v = 0; v <= Math.min(heights[from]!, sum); v++)
    for (const rest of vectorsWithSum(heights, sum - v, from + 1)) yield [v, ...rest];
}
