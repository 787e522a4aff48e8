/**
 * Categorical columns copied as states, whatever learner makes the numbers:
 *
 * - attributes: a column constant within every training sequence (a site, a
 *   model, a firmware) is a property of the entity; copies draw one tuple of
 *   all such columns from the sequences' own tuples, so combinations that
 *   never occur are never made;
 * - chains: a column that changes over time (a status, an operating mode) is
 *   a Markov chain whose transitions depend on the hour of day (and, with
 *   two weeks of data or more, on weekday or weekend), each slot's counts
 *   shrunk towards the chain's overall transitions so sparse slots borrow
 *   strength. A missing value is a state of its own.
 *
 * Hours are UTC hours of the timestamps (plus `offsetMs`, for data whose day
 * follows a local clock).
 */
import { TsiotError } from '../../../core/errors.js';
import type { Rng } from '../../../core/rng.js';

/** A categorical column: `codes[i]` indexes `levels`, -1 is missing. */
export interface CategoricalValues {
  name: string;
  levels: string[];
  codes: Int32Array;
}

/** One training sequence's categorical columns, aligned with its timestamps. */
export interface CategoricalSequence {
  timestamps: Float64Array;
  columns: CategoricalValues[];
}

export interface ChainModel {
  name: string;
  levels: string[];
  /** Slots per week: 24 (hour of day) or 48 (hour of day × weekday/weekend). */
  slots: number;
  /** States are level indices, and `levels.length` for missing. */
  start: number[][];
  /** transitions[slot][from][to]: counts into the slot's hour. */
  transitions: number[][][];
}

export interface CategoricalModel {
  version: 1;
  offsetMs: number;
  attributes: { names: string[]; levels: string[][]; tuples: number[][] };
  chains: ChainModel[];
}

/** Weight, in transitions, of the chain's overall behaviour in each slot's estimate: one, so a slot with data follows its data (a larger weight leaks transitions the slot never shows, e.g. out of "night" at 3 am). */
const SHRINK = 1;
const WEEK_MS = 7 * 86_400_000;

function slotOf(t: number, slots: number, offsetMs: number): number {
  const local = t + offsetMs;
  const hour = Math.floor((((local % 86_400_000) + 86_400_000) % 86_400_000) / 3_600_000);
  if (slots === 24) return hour;
  // 1970-01-01 was a Thursday: days 2 and 3 after it (mod 7) are Saturday and Sunday.
  const day = ((Math.floor(local / 86_400_000) % 7) + 7) % 7;
  return hour + (day === 2 || day === 3 ? 24 : 0);
}

/** Learn attributes and chains from the categorical columns of one or more sequences. */
export function learnCategorical(
  sequences: readonly CategoricalSequence[],
  options: { offsetMs?: number } = {},
): CategoricalModel {
  const offsetMs = options.offsetMs ?? 0;
  if (sequences.length === 0) {
    throw new TsiotError('invalid_input', 'categorical: no sequences to learn from', { details: { field: 'data' } });
  }
  const names = sequences[0]!.columns.map((c) => c.name);
  // Levels are unified across sequences by their text.
  const levels = names.map(() => [] as string[]);
  const codeMaps = names.map(() => new Map<string, number>());
  const recoded = sequences.map((s) =>
    names.map((name, d) => {
      const c = s.columns.find((x) => x.name === name);
      if (!c) {
        throw new TsiotError('invalid_input', `categorical: a sequence lacks the column "${name}"`, {
          details: { field: 'data', column: name },
        });
      }
      return Int32Array.from(c.codes, (code) => {
        if (code < 0) return -1;
        const text = c.levels[code]!;
        let k = codeMaps[d]!.get(text);
        if (k === undefined) {
          k = levels[d]!.length;
          levels[d]!.push(text);
          codeMaps[d]!.set(text, k);
        }
        return k;
      });
    }),
  );
  const constantIn = (codes: Int32Array) => codes.every((c) => c === codes[0]);
  const isAttribute = names.map((_, d) => recoded.every((cols) => constantIn(cols[d]!)));
  const attributeIdx = names.map((_, d) => d).filter((d) => isAttribute[d]);
  const attributes = {
    names: attributeIdx.map((d) => names[d]!),
    levels: attributeIdx.map((d) => levels[d]!),
    tuples: recoded.map((cols) => attributeIdx.map((d) => cols[d]![0] ?? -1)),
  };
  let first = Infinity;
  let last = -Infinity;
  for (const s of sequences) {
    if (s.timestamps.length === 0) continue;
    first = Math.min(first, s.timestamps[0]!);
    last = Math.max(last, s.timestamps[s.timestamps.length - 1]!);
  }
  const slots = last - first >= 2 * WEEK_MS ? 48 : 24;
  const chains = names
    .map((name, d) => ({ name, d }))
    .filter(({ d }) => !isAttribute[d])
    .map(({ name, d }): ChainModel => {
      const L = levels[d]!.length + 1;
      const missing = L - 1;
      const start = Array.from({ length: slots }, () => new Array<number>(L).fill(0));
      const transitions = Array.from({ length: slots }, () =>
        Array.from({ length: L }, () => new Array<number>(L).fill(0)),
      );
      sequences.forEach((s, si) => {
        const codes = recoded[si]![d]!;
        for (let i = 0; i < codes.length; i++) {
          const state = codes[i]! < 0 ? missing : codes[i]!;
          const slot = slotOf(s.timestamps[i]!, slots, offsetMs);
          start[slot]![state]!++;
          if (i > 0) {
            const prev = codes[i - 1]! < 0 ? missing : codes[i - 1]!;
            transitions[slot]![prev]![state]!++;
          }
        }
      });
      return { name, levels: levels[d]!, slots, start, transitions };
    });
  return { version: 1, offsetMs, attributes, chains };
}

function draw(weights: readonly number[], rng: Rng): number {
  let total = 0;
  for (const w of weights) total += w;
  let u = rng.nextDouble() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i]!;
    if (u < 0) return i;
  }
  return weights.length - 1;
}

/** P(to | from, slot), shrunk towards P(to | from) over all slots (and towards the state shares when `from` was never left). */
function transitionWeights(
  chain: ChainModel,
  overall: number[][],
  shares: number[],
  slot: number,
  from: number,
): number[] {
  const local = chain.transitions[slot]![from]!;
  const localTotal = local.reduce((a, b) => a + b, 0);
  const row = overall[from]!;
  const rowTotal = row.reduce((a, b) => a + b, 0);
  const sharesTotal = shares.reduce((a, b) => a + b, 0);
  const prior = rowTotal > 0 ? row.map((c) => c / rowTotal) : shares.map((c) => c / sharesTotal);
  return local.map((c, to) => (c + SHRINK * prior[to]!) / (localTotal + SHRINK));
}

export interface SampledCategorical {
  attributes: Record<string, string>;
  columns: CategoricalValues[];
}

/**
 * Categorical columns for sampled paths at the given timestamps (one array
 * per path). `attributes` fixes some attribute values; the rest of the
 * tuple is drawn from the sequences that agree with them.
 */
export function sampleCategorical(
  model: CategoricalModel,
  timestamps: readonly Float64Array[],
  rng: Rng,
  options: { attributes?: Record<string, string> } = {},
): SampledCategorical[] {
  const fixed = options.attributes ?? {};
  for (const name of Object.keys(fixed)) {
    if (!model.attributes.names.includes(name)) {
      throw new TsiotError(
        'invalid_input',
        `attributes.${name}: not an attribute of the model (it has ${model.attributes.names.map((n) => `"${n}"`).join(', ') || 'none'})`,
        {
          details: { field: `attributes.${name}`, available: model.attributes.names },
        },
      );
    }
  }
  const matching = model.attributes.tuples.filter((t) =>
    model.attributes.names.every((n, a) => fixed[n] === undefined || model.attributes.levels[a]![t[a]!] === fixed[n]),
  );
  const pool = matching.length ? matching : model.attributes.tuples;
  const prepared = model.chains.map((chain) => {
    const L = chain.levels.length + 1;
    const overall = Array.from({ length: L }, (_, from) =>
      Array.from({ length: L }, (_, to) => chain.transitions.reduce((s, slot) => s + slot[from]![to]!, 0)),
    );
    const shares = Array.from({ length: L }, (_, k) => chain.start.reduce((s, slot) => s + slot[k]!, 0));
    return { chain, overall, shares };
  });
  return timestamps.map((times) => {
    const tuple = pool.length ? pool[rng.int(0, pool.length)]! : [];
    const attributes = Object.fromEntries(
      model.attributes.names.map((n, a) => [n, fixed[n] ?? model.attributes.levels[a]![tuple[a]!] ?? '']),
    );
    const attributeColumns = model.attributes.names.map((name, a): CategoricalValues => {
      const lv = model.attributes.levels[a]!;
      const code = lv.indexOf(attributes[name]!);
      return { name, levels: lv, codes: new Int32Array(times.length).fill(code) };
    });
    const chainColumns = prepared.map(({ chain, overall, shares }): CategoricalValues => {
      const missing = chain.levels.length;
      const codes = new Int32Array(times.length);
      let state = -1;
      for (let i = 0; i < times.length; i++) {
        const slot = slotOf(times[i]!, chain.slots, model.offsetMs);
        if (i === 0) {
          const local = chain.start[slot]!;
          state = draw(local.reduce((a, b) => a + b, 0) > 0 ? local : shares, rng);
        } else state = draw(transitionWeights(chain, overall, shares, slot, state), rng);
        codes[i] = state === missing ? -1 : state;
      }
      return { name: chain.name, levels: chain.levels, codes };
    });
    return { attributes, columns: [...attributeColumns, ...chainColumns] };
  });
}

/** What was learned, for describe_model. */
export function describeCategorical(model: CategoricalModel): string[] {
  return [
    ...model.attributes.names.map(
      (n, a) =>
        `"${n}" is an attribute of each entity (${model.attributes.levels[a]!.length} level(s)): copies draw the combinations of the ${model.attributes.tuples.length} training sequence(s)`,
    ),
    ...model.chains.map(
      (c) =>
        `"${c.name}" changes over time (${c.levels.length} level(s)${c.start.some((s) => s[c.levels.length]! > 0) ? ' and missing' : ''}): a Markov chain by ${c.slots === 48 ? 'hour of day and weekday/weekend' : 'hour of day'}`,
    ),
  ];
}
