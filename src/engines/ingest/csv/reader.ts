/**
 * A CSV reader for the files people have: streamed through csv-parse (quoted
 * fields with delimiters and line breaks, a BOM), the delimiter and decimal
 * separator detected from the head, time from one column or a date plus a
 * time column, missing-value markers, text columns kept as categories, and a
 * summary of every column read. Memory grows with the values kept (typed
 * arrays), never with the file as one string.
 *
 * Rows are numbered as records of the file, the header being row 1 (a quoted
 * field with line breaks is one row; empty lines are not rows); messages name
 * the row and the column, and quote a cell only when the caller sent the
 * text itself.
 */
import { Semaphore } from '../../../core/semaphore.js';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, parse } from 'csv-parse';
import { TsiotError } from '../../../core/errors.js';
import { checkTimeZone } from '../../../core/time.js';
import type { TimeSeries } from '../../../core/types.js';
import { GrowableF64, GrowableI32 } from '../growable.js';
import { StampCollector } from '../stamps.js';
import { type CsvReadOptions, DEFAULT_MAX_CSV_BYTES } from './options.js';
import { detectDecimal, detectDelimiter } from './sniff.js';

export type CsvSource = { text: string } | { path: string } | { chunks: AsyncIterable<Uint8Array | string> };

export interface CsvReadContext {
  /** The input field named in messages, e.g. "data.csv" or "data.csvPath". */
  field?: string;
  /** Refuse more bytes than this (default 256 MiB). */
  maxBytes?: number;
  /** Whether messages may quote cells (only when the caller sent the text). Default: for `text` sources only. */
  quoteCells?: boolean;
}

/** A text column read as categories: `codes[i]` indexes `levels`, -1 is missing. */
export interface CategoricalColumn {
  name: string;
  levels: string[];
  codes: Int32Array;
}

export interface CsvColumnSummary {
  name: string;
  /** time: (part of) the time stamp; dropped: not kept (see notes). */
  role: 'time' | 'numeric' | 'categorical' | 'dropped';
  rows: number;
  missing: number;
  missingRate: number;
  /** Distinct values (numeric) or levels (categorical). */
  unique: number;
  min?: number;
  max?: number;
  /** Every value is a whole number. */
  integer?: boolean;
  /** The most frequent levels of a categorical column. */
  levels?: { value: string; count: number }[];
  notes: string[];
}

export interface CsvTable {
  /** Time and numeric columns (constant ones included), in file order. */
  series: TimeSeries;
  /** Text columns, aligned with `series.timestamps`. */
  categorical: CategoricalColumn[];
  /** Every column of the header, in order. */
  columns: CsvColumnSummary[];
  /** How the file was read. */
  notes: string[];
  /** What a person should look at (heavy missingness, dropped columns). */
  warnings: string[];
  rows: number;
  delimiter: string;
  decimal: '.' | ',';
  timeZone: string;
}

/** Distinct text values beyond which a text column is too varied to be a category. */
export const MAX_LEVELS = 1000;
/** Share of numeric cells above which a column with text cells is numbers with bad cells, not categories. */
const NUMERIC_SHARE = 0.9;
/** Missing share at which a column is flagged. */
const WARN_MISSING = 0.5;
const HEAD_BYTES = 64 * 1024;
const ALWAYS_MISSING = new Set(['', 'na', 'n/a', '#n/a', 'nan', 'null']);
const TIME_NAMES = ['time', 'timestamp', 'ts', 'date', 'datetime', 'date_time'];
const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseNumber(cell: string, decimal: '.' | ','): number | undefined {
  let s = cell;
  if (decimal === ',') {
    if (s.includes('.') && s.includes(',')) s = s.replaceAll('.', '');
    s = s.replace(',', '.');
  }
  return NUMBER_RE.test(s) ? Number(s) : undefined;
}

interface Markers {
  text: Set<string>;
  numbers: Set<number>;
}

function markersOf(missing: CsvReadOptions['missing'], decimal: '.' | ','): Markers {
  const text = new Set(ALWAYS_MISSING);
  const numbers = new Set<number>();
  for (const m of missing ?? []) {
    if (typeof m === 'number') numbers.add(m);
    else {
      text.add(m.trim().toLowerCase());
      const v = parseNumber(m.trim(), decimal) ?? parseNumber(m.trim(), '.');
      if (v !== undefined) numbers.add(v);
    }
  }
  return { text, numbers };
}

class ColumnReader {
  readonly numbers = new GrowableF64();
  codes: GrowableI32 | undefined = new GrowableI32();
  readonly levels = new Map<string, number>();
  missing = 0;
  numeric = 0;
  text = 0;
  firstTextRow = 0;
  firstText = '';

  constructor(
    readonly name: string,
    private readonly decimal: '.' | ',',
    private readonly markers: Markers,
  ) {}

  push(raw: string, row: number): void {
    const cell = raw.trim();
    let v: number | undefined;
    if (this.markers.text.has(cell.toLowerCase())) v = NaN;
    else {
      v = parseNumber(cell, this.decimal);
      if (v !== undefined && this.markers.numbers.has(v)) v = NaN;
    }
    if (v !== undefined && Number.isNaN(v)) {
      this.missing++;
      this.numbers.push(NaN);
      this.codes?.push(-1);
      return;
    }
    if (v === undefined) {
      this.text++;
      if (this.text === 1) {
        this.firstTextRow = row;
        this.firstText = cell.slice(0, 40);
      }
      this.numbers.push(NaN);
    } else {
      this.numeric++;
      this.numbers.push(v);
    }
    if (this.codes) {
      let code = this.levels.get(cell);
      if (code === undefined) {
        code = this.levels.size;
        this.levels.set(cell, code);
      }
      this.codes.push(code);
      if (this.levels.size > MAX_LEVELS) this.codes = undefined;
    }
  }
}

async function* chunksOf(source: CsvSource, field: string, maxBytes: number): AsyncGenerator<Buffer> {
  if ('text' in source) {
    const bytes = Buffer.byteLength(source.text);
    if (bytes > maxBytes) throw tooLarge(field, bytes, maxBytes);
    yield Buffer.from(source.text);
    return;
  }
  let iterable: AsyncIterable<Uint8Array | string>;
  if ('path' in source) {
    let size: number;
    try {
      const s = await stat(source.path);
      if (!s.isFile()) throw new Error('not a regular file');
      size = s.size;
    } catch (cause) {
      // neither the resolved path nor the system's message (which repeats it) goes back to the caller
      const code = (cause as NodeJS.ErrnoException).code;
      throw new TsiotError(
        'invalid_input',
        `${field}: the file cannot be read${code ? ` (${code})` : ' (not a regular file)'}`,
        {
          details: { field },
          cause,
        },
      );
    }
    if (size > maxBytes) throw tooLarge(field, size, maxBytes);
    iterable = createReadStream(source.path, { highWaterMark: HEAD_BYTES });
  } else iterable = source.chunks;
  let total = 0;
  for await (const chunk of iterable) {
    const buf =
      typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    total += buf.length;
    if (total > maxBytes) throw tooLarge(field, total, maxBytes);
    yield buf;
  }
}

function tooLarge(field: string, bytes: number, maxBytes: number): TsiotError {
  const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
  return new TsiotError(
    'too_large',
    `${field}: the CSV has ${bytes > maxBytes * 2 ? mib(bytes) : `over ${mib(maxBytes)}`}, more than the ${mib(maxBytes)} this server reads`,
    {
      details: { field, maxBytes },
      hint: 'Read fewer columns or rows (split the file), or store the series first and pass its seriesId.',
    },
  );
}

/** Pull the head off a chunk stream for detection, then hand back a stream of all of it. */
async function splitHead(chunks: AsyncGenerator<Buffer>): Promise<{ head: string; complete: boolean; all: Readable }> {
  const buffered: Buffer[] = [];
  let size = 0;
  let complete = false;
  while (size < HEAD_BYTES) {
    const next = await chunks.next();
    if (next.done) {
      complete = true;
      break;
    }
    buffered.push(next.value);
    size += next.value.length;
  }
  const head = Buffer.concat(buffered)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  async function* all(): AsyncGenerator<Buffer> {
    yield* buffered;
    if (!complete) yield* chunks;
  }
  return { head, complete, all: Readable.from(all()) };
}

interface TimeSpec {
  /** Header indices of the stamp: one column, or a date and a time column. */
  date: number;
  time?: number;
  note?: string;
}

function uniqueNames(header: string[]): { names: string[]; notes: string[] } {
  const notes: string[] = [];
  const seen = new Map<string, number>();
  const names = header.map((raw, i) => {
    let name = raw.trim();
    if (name === '') {
      name = `column_${i + 1}`;
      notes.push(`column ${i + 1} has no name: called "${name}"`);
    }
    const k = seen.get(name) ?? 0;
    seen.set(name, k + 1);
    if (k > 0) {
      const renamed = `${name}_${k + 1}`;
      notes.push(`column ${i + 1} repeats the name "${name}": called "${renamed}"`);
      name = renamed;
    }
    return name;
  });
  return { names, notes };
}

/** Index of a column the caller named; the header is listed in the message only when the caller sent the CSV. */
function findColumn(names: string[], name: string, option: string, field: string, quoteHeader: boolean): number {
  const i = names.indexOf(name);
  if (i < 0) {
    const where = `${field.replace(/\.csv(Path)?$/, '')}.${option}`;
    throw new TsiotError(
      'invalid_input',
      `${where}: "${name}" is not in the CSV header (${quoteHeader ? names.join(', ') : `${names.length} columns`})`,
      { details: { field: where, ...(quoteHeader ? { header: names } : { columns: names.length }) } },
    );
  }
  return i;
}

function timeSpec(names: string[], o: CsvReadOptions, field: string, quoteHeader: boolean): TimeSpec {
  const base = field.replace(/\.csv(Path)?$/, '');
  if (o.timestampColumn !== undefined && (o.dateColumn !== undefined || o.timeColumn !== undefined)) {
    throw new TsiotError('invalid_input', `${base}: give either timestampColumn or dateColumn + timeColumn, not both`, {
      details: { field: `${base}.timestampColumn`, example: { dateColumn: 'Date', timeColumn: 'Time' } },
    });
  }
  if (o.timeColumn !== undefined && o.dateColumn === undefined) {
    throw new TsiotError('invalid_input', `${base}.timeColumn: needs dateColumn beside it (the column with the date)`, {
      details: { field: `${base}.dateColumn`, example: { dateColumn: 'Date', timeColumn: 'Time' } },
    });
  }
  if (o.timestampColumn !== undefined)
    return { date: findColumn(names, o.timestampColumn, 'timestampColumn', field, quoteHeader) };
  if (o.dateColumn !== undefined) {
    const date = findColumn(names, o.dateColumn, 'dateColumn', field, quoteHeader);
    return o.timeColumn !== undefined
      ? { date, time: findColumn(names, o.timeColumn, 'timeColumn', field, quoteHeader) }
      : { date };
  }
  const lower = names.map((n) => n.toLowerCase());
  const date = lower.indexOf('date');
  const time = lower.indexOf('time');
  if (date >= 0 && time >= 0) {
    return { date, time, note: `time from the columns "${names[date]}" + "${names[time]}"` };
  }
  const named = lower.findIndex((n) => TIME_NAMES.includes(n));
  if (named >= 0) return { date: named };
  return { date: 0, note: `no column is named like a time, so the first ("${names[0]}") is read as the time` };
}

/**
 * Files read at once in this process. Reading one holds its parsed columns
 * (several times the file's size at the cap), so a burst of calls is queued
 * here rather than all held in memory together.
 */
export const fileReads = new Semaphore(2, 16, 'CSV file reads');

/** Read a CSV with a header row into a series, its categorical columns and a summary of each column. */
export async function readCsv(
  source: CsvSource,
  options: CsvReadOptions = {},
  ctx: CsvReadContext = {},
): Promise<CsvTable> {
  return 'path' in source ? fileReads.run(() => readCsvNow(source, options, ctx)) : readCsvNow(source, options, ctx);
}

async function readCsvNow(source: CsvSource, options: CsvReadOptions, ctx: CsvReadContext): Promise<CsvTable> {
  const field = ctx.field ?? ('path' in source ? 'data.csvPath' : 'data.csv');
  const base = field.replace(/\.csv(Path)?$/, '');
  const quoteCells = ctx.quoteCells ?? 'text' in source;
  const timeZone = options.timeZone ?? 'UTC';
  checkTimeZone(timeZone, `${base}.timeZone`);
  const notes: string[] = [];
  const warnings: string[] = [];

  const { head, complete, all } = await splitHead(chunksOf(source, field, ctx.maxBytes ?? DEFAULT_MAX_CSV_BYTES));
  const delimiter = options.delimiter ?? detectDelimiter(head, complete);
  if (options.delimiter === undefined && delimiter !== ',')
    notes.push(`delimiter ${JSON.stringify(delimiter)} detected`);
  const decimal = options.decimal ?? detectDecimal(head, complete, delimiter);
  if (decimal === ',' && delimiter === ',') {
    throw new TsiotError(
      'invalid_input',
      `${base}.decimal: "," cannot be the decimal separator when "," delimits fields`,
      {
        details: { field: `${base}.decimal`, example: { delimiter: ';', decimal: ',' } },
      },
    );
  }
  if (options.decimal === undefined && decimal === ',') notes.push('decimal separator "," detected');
  const markers = markersOf(options.missing, decimal);

  let names: string[] | undefined;
  let spec: TimeSpec | undefined;
  let stamps: StampCollector | undefined;
  let readers: { index: number; reader: ColumnReader }[] = [];
  let rows = 0;
  let blank = 0;
  let noTime = 0;
  const cellText = (s: string) => (quoteCells ? ` (${JSON.stringify(s.slice(0, 40))})` : '');

  const onHeader = (header: string[]) => {
    const u = uniqueNames(header);
    names = u.names;
    notes.push(...u.notes);
    spec = timeSpec(names, options, field, quoteCells);
    if (spec.note) notes.push(spec.note);
    const label = `${field} column "${names[spec.date]}"${spec.time !== undefined ? ` + "${names[spec.time]}"` : ''}`;
    stamps = new StampCollector({
      label,
      timeZone,
      ...(options.timeFormat !== undefined ? { timeFormat: options.timeFormat } : {}),
    });
    const timeIdx = new Set([spec.date, ...(spec.time !== undefined ? [spec.time] : [])]);
    let chosen = names.map((_, i) => i).filter((i) => !timeIdx.has(i));
    if (options.columns) {
      const wanted = options.columns.map((c) => findColumn(names!, c, 'columns', field, quoteCells));
      const clash = wanted.filter((i) => timeIdx.has(i));
      if (clash.length) {
        throw new TsiotError(
          'invalid_input',
          `${base}.columns: "${names[clash[0]!]}" is the time column; list only value columns`,
          { details: { field: `${base}.columns` } },
        );
      }
      chosen = chosen.filter((i) => wanted.includes(i));
      notes.push(`only the columns ${options.columns.map((c) => `"${c}"`).join(', ')} were read`);
    }
    readers = chosen.map((index) => ({ index, reader: new ColumnReader(names![index]!, decimal, markers) }));
  };

  const onRecord = (record: string[], row: number) => {
    const n = names!.length;
    if (record.every((c) => c.trim() === '')) {
      blank++;
      return;
    }
    if (record.length > n && record.slice(n).some((c) => c.trim() !== '')) {
      throw new TsiotError('invalid_input', `${field} row ${row}: ${record.length} fields, but the header has ${n}`, {
        details: { field, row, fields: record.length, header: n },
      });
    }
    if (record.length < n) {
      throw new TsiotError(
        'invalid_input',
        `${field} row ${row}: ${record.length} field${record.length === 1 ? '' : 's'}, but the header has ${n}`,
        { details: { field, row, fields: record.length, header: n } },
      );
    }
    const s = spec!;
    const date = record[s.date]!;
    const time = s.time !== undefined ? record[s.time]! : undefined;
    if (
      markers.text.has(date.trim().toLowerCase()) ||
      (time !== undefined && markers.text.has(time.trim().toLowerCase()))
    ) {
      noTime++;
      return;
    }
    if (!stamps!.push(date, time, row)) {
      const col =
        s.time !== undefined ? `columns "${names![s.date]}" + "${names![s.time]}"` : `column "${names![s.date]}"`;
      throw new TsiotError(
        'invalid_input',
        `${field} row ${row}, ${col}: not a date-time the reader knows${cellText(time === undefined ? date : `${date} ${time}`)}`,
        {
          details: { field, row, column: names![s.date], example: '2025-01-01T00:00:00Z' },
          hint: 'Give its layout with timeFormat, e.g. "%d/%m/%Y %H:%M", or name the time column with timestampColumn.',
        },
      );
    }
    rows++;
    for (const { index, reader } of readers) reader.push(record[index]!, row);
  };

  const parser = parse({
    delimiter,
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: 1 << 20,
  });
  // The first error wins: once the consumer throws, pipeline may report only the teardown (AbortError).
  let failure: unknown;
  let row = 0;
  try {
    await pipeline(all, parser, async (records: AsyncIterable<string[]>) => {
      try {
        for await (const record of records) {
          row++;
          if (!names) onHeader(record);
          else onRecord(record, row);
        }
      } catch (e) {
        failure = e;
      }
    });
  } catch (e) {
    failure ??= e;
  }
  if (failure instanceof CsvError) {
    const line = (failure as unknown as { lines?: number }).lines;
    throw new TsiotError(
      'invalid_input',
      `${field}: malformed CSV${line ? ` at line ${line}` : ''} (${failure.code.replace(/^CSV_/, '').toLowerCase().replaceAll('_', ' ')})`,
      {
        details: { field, ...(line ? { line } : {}), code: failure.code },
        hint: 'A quoted field must end with a quote followed by the delimiter or a line break; quotes inside it are doubled ("").',
      },
    );
  }
  if (failure !== undefined) throw failure;
  if (!names || !spec || !stamps) {
    throw new TsiotError('invalid_input', `${field}: needs a header row and at least one data row`, {
      details: { field, example: 'time,temperature\n2025-01-01T00:00:00Z,21.3' },
    });
  }
  if (rows === 0) {
    throw new TsiotError('invalid_input', `${field}: the header has no data rows after it`, {
      details: { field, example: 'time,temperature\n2025-01-01T00:00:00Z,21.3' },
    });
  }
  if (blank) notes.push(`${blank} row(s) with every field empty were skipped`);
  if (noTime) warnings.push(`${noTime} row(s) without a time stamp were dropped`);
  const { times, notes: timeNotes } = stamps.finish();
  notes.push(...timeNotes);

  const summaries = new Map<number, CsvColumnSummary>();
  const stampStats = numericStats(times);
  const timeSummary = (i: number): CsvColumnSummary => ({
    name: names![i]!,
    role: 'time',
    rows,
    missing: noTime,
    missingRate: noTime / (rows + noTime),
    unique: stampStats.unique,
    min: stampStats.min,
    max: stampStats.max,
    notes: spec!.time !== undefined ? ['with the other time column, the time stamp'] : ['the time stamp (epoch ms)'],
  });
  summaries.set(spec.date, timeSummary(spec.date));
  if (spec.time !== undefined) summaries.set(spec.time, timeSummary(spec.time));

  const numeric: TimeSeries['columns'] = [];
  const categorical: CategoricalColumn[] = [];
  for (const { index, reader } of readers) {
    const name = reader.name;
    const present = reader.numeric + reader.text;
    const summary: CsvColumnSummary = {
      name,
      role: 'numeric',
      rows,
      missing: reader.missing,
      missingRate: rows ? reader.missing / rows : 0,
      unique: 0,
      notes: [],
    };
    summaries.set(index, summary);
    if (present === 0) {
      summary.role = 'dropped';
      summary.notes.push('no values: dropped');
      warnings.push(`column "${name}" has no values and was dropped`);
      continue;
    }
    if (reader.text > 0 && reader.numeric / present >= NUMERIC_SHARE) {
      throw new TsiotError(
        'invalid_input',
        `${field} row ${reader.firstTextRow}, column "${name}": not a number${cellText(reader.firstText)}, in a column of numbers (${reader.text} such cell${reader.text === 1 ? '' : 's'})`,
        {
          details: { field, row: reader.firstTextRow, column: name, cells: reader.text },
          hint: `If it marks a missing value, declare it, e.g. {"missing": ["ERR"]}; or skip the column with columns.`,
        },
      );
    }
    if (reader.text > 0) {
      if (!reader.codes) {
        summary.role = 'dropped';
        summary.unique = reader.levels.size;
        summary.notes.push(`over ${MAX_LEVELS} distinct text values, too many for categories: dropped`);
        warnings.push(`column "${name}" has over ${MAX_LEVELS} distinct text values and was dropped`);
        continue;
      }
      const levels = [...reader.levels.keys()];
      const codes = reader.codes.toArray();
      categorical.push({ name, levels, codes });
      summary.role = 'categorical';
      summary.unique = levels.length;
      const counts = new Array<number>(levels.length).fill(0);
      for (const c of codes) if (c >= 0) counts[c]!++;
      summary.levels = levels
        .map((value, i) => ({ value, count: counts[i]! }))
        .sort((a, b) => b.count - a.count)
        .slice(0, 10);
      summary.notes.push(
        `text: kept as a categorical column of ${levels.length} level${levels.length === 1 ? '' : 's'}`,
      );
      if (levels.length === 1) summary.notes.push('constant: kept and flagged');
    } else {
      const values = reader.numbers.toArray();
      numeric.push({ name, values });
      const stats = numericStats(values);
      Object.assign(summary, stats);
      if (stats.integer) summary.notes.push('whole numbers');
      if (stats.unique === 1) {
        summary.notes.push(`constant (${stats.min}): kept and flagged`);
        warnings.push(`column "${name}" is constant (${stats.min})`);
      }
    }
    if (summary.missingRate >= WARN_MISSING) {
      const p = `${Math.round(summary.missingRate * 100)} %`;
      summary.notes.push(`${p} missing — warned`);
      warnings.push(`column "${name}" is ${p} missing`);
    } else if (summary.missing > 0) {
      summary.notes.push(`${(summary.missingRate * 100).toFixed(1)} % missing`);
    }
  }
  const skipped = names
    .map((name, i) => ({ name, i }))
    .filter(({ i }) => !summaries.has(i))
    .map(
      ({ name }): CsvColumnSummary => ({
        name,
        role: 'dropped',
        rows: 0,
        missing: 0,
        missingRate: 0,
        unique: 0,
        notes: ['not among the columns asked for: skipped unread'],
      }),
    );
  const columns = names.map((_, i) => summaries.get(i)).filter((s) => s !== undefined);
  return {
    series: { id: 'csv', name: 'csv', metadata: { tags: {} }, timestamps: times, columns: numeric, labels: [] },
    categorical,
    columns: [...columns, ...skipped].sort((a, b) => names!.indexOf(a.name) - names!.indexOf(b.name)),
    notes,
    warnings,
    rows,
    delimiter,
    decimal,
    timeZone,
  };
}

function numericStats(values: Float64Array): { unique: number; min: number; max: number; integer: boolean } {
  const finite = values.filter(Number.isFinite).sort();
  let unique = 0;
  let integer = true;
  for (let i = 0; i < finite.length; i++) {
    if (i === 0 || finite[i] !== finite[i - 1]) unique++;
    if (integer && !Number.isInteger(finite[i]!)) integer = false;
  }
  return { unique, min: finite[0]!, max: finite[finite.length - 1]!, integer };
}
