import { mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, basename, join } from 'node:path';
import { DOUBLE, DuckDBDataChunk, DuckDBInstance, INTEGER } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBType } from '@duckdb/node-api';
import { TsiotError } from '../../core/errors.js';
import type { TimeSeries } from '../../core/types.js';
import { checkExportable, type TimestampFormat } from './options.js';

/*
 * Parquet through an in-memory DuckDB (one thread, so the bytes are the same
 * on every run for the same series):
 *
 *   timestamp  TIMESTAMP_MS (UTC; timestamps 'iso', the default) or INT64 epoch ms ('ms')
 *   series     UTF8, the series id
 *   <column>…  DOUBLE, NULL for a missing value or a column the series lacks;
 *              the columns of all series in first-seen order
 *
 * Series follow one another in the order given; timestamps are rounded to
 * whole milliseconds. Column names that differ only in letter case cannot
 * both be Parquet columns through DuckDB and are refused.
 *
 * Pages are Parquet format 2 (DuckDB's PARQUET_VERSION v2): delta-encoded
 * timestamps and byte-stream-split doubles, snappy-compressed. For sensor
 * series that file is about a third smaller than the format-1 default at the
 * same write time (measured: 7.7 against 11.6 MB for 1.2 M values); zstd took
 * it to 7.4 MB for a sixth more CPU. Readers need format-2 page support
 * (Arrow, DuckDB, Polars, Spark 3 have it).
 */

export interface ParquetFileOptions {
  timestamps?: TimestampFormat;
}

const CHUNK_ROWS = 2048;
/** DuckDB's memory for the staged rows; the rest waits on disk. */
const STAGING_MEMORY = '256MB';
let tempCounter = 0;

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

const hasNaN = (values: Float64Array) => {
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i]!)) return true;
  return false;
};

/**
 * The typed array a fresh DOUBLE or INTEGER vector of the chunk writes from on
 * flush (the vector keeps it as a private field), so a column without NULLs is
 * copied in at once instead of item by item. Undefined when the vector does
 * not hold one of that type and length (then setItem is used).
 */
function itemsOf<T extends Float64Array | Int32Array>(
  vector: object,
  rows: number,
  type: { new (n: number): T; prototype: T },
): T | undefined {
  const items = (vector as { items?: unknown }).items;
  return items instanceof type && items.length === rows ? items : undefined;
}

/** Stages rows in DuckDB, adding a DOUBLE column the first time a name appears. */
class Staging {
  private readonly columns = new Map<string, string>();
  private readonly folded = new Map<string, string>();
  /** Series names by the number staged in place of the name. */
  private readonly names: string[] = [];
  rows = 0;

  constructor(private readonly c: DuckDBConnection) {}

  async append(s: TimeSeries): Promise<void> {
    checkExportable([s]);
    for (const col of s.columns) {
      if (this.columns.has(col.name)) continue;
      const clash = this.folded.get(col.name.toLowerCase());
      if (clash !== undefined) {
        throw new TsiotError(
          'invalid_input',
          `Parquet export: columns "${clash}" and "${col.name}" differ only in letter case`,
          {
            details: { field: 'columns', columns: [clash, col.name] },
            hint: 'Rename one of them, or export as CSV or NDJSON.',
          },
        );
      }
      const physical = `c${this.columns.size}`;
      await this.c.run(`ALTER TABLE staging ADD COLUMN ${physical} DOUBLE`);
      this.columns.set(col.name, physical);
      this.folded.set(col.name.toLowerCase(), col.name);
    }
    const n = s.timestamps.length;
    if (n === 0) return;
    const key = this.names.length;
    this.names.push(s.name);
    const byName = new Map(s.columns.map((c) => [c.name, c.values]));
    const sources = [...this.columns.keys()].map((name) => byName.get(name));
    const types: DuckDBType[] = [DOUBLE, INTEGER, ...sources.map(() => DOUBLE)];
    const appender = await this.c.createAppender('staging');
    try {
      // Full chunks without a NULL reuse one chunk and its vectors as they are: nothing in it is ever
      // NULL, so its validity stays all-valid and only the values are copied in. Other chunks are
      // reset and filled through setItem where a value is missing.
      let clean: DuckDBDataChunk | undefined;
      let mixed: DuckDBDataChunk | undefined;
      for (let off = 0; off < n; off += CHUNK_ROWS) {
        const m = Math.min(CHUNK_ROWS, n - off);
        const slices = sources.map((values) => values?.subarray(off, off + m));
        const full = m === CHUNK_ROWS && slices.every((slice) => slice && !hasNaN(slice));
        let chunk: DuckDBDataChunk;
        if (full) chunk = clean ??= DuckDBDataChunk.create(types, CHUNK_ROWS);
        else {
          chunk = mixed ??= DuckDBDataChunk.create(types, CHUNK_ROWS);
          chunk.reset();
          chunk.rowCount = m;
        }
        // whole milliseconds as doubles and the series as a number: no BigInt or string per row
        const vTs = chunk.getColumnVector(0);
        const vSeries = chunk.getColumnVector(1);
        const ts = itemsOf(vTs, m, Float64Array);
        const ks = itemsOf(vSeries, m, Int32Array);
        if (ts && ks) {
          for (let r = 0; r < m; r++) ts[r] = Math.round(s.timestamps[off + r]!);
          ks.fill(key);
        } else {
          for (let r = 0; r < m; r++) {
            vTs.setItem(r, Math.round(s.timestamps[off + r]!));
            vSeries.setItem(r, key);
          }
        }
        vTs.flush();
        vSeries.flush();
        slices.forEach((slice, k) => {
          const vector = chunk.getColumnVector(2 + k);
          const items = full ? itemsOf(vector, m, Float64Array) : undefined;
          if (items && slice) items.set(slice);
          else {
            for (let r = 0; r < m; r++) {
              const v = slice ? slice[r]! : NaN;
              vector.setItem(r, Number.isNaN(v) ? null : v);
            }
          }
          vector.flush();
        });
        appender.appendDataChunk(chunk);
      }
    } finally {
      appender.closeSync();
    }
    this.rows += n;
  }

  async copyTo(path: string, timestamps: TimestampFormat): Promise<void> {
    await this.c.run('CREATE TABLE names (k INTEGER, name VARCHAR)');
    const appender = await this.c.createAppender('names');
    try {
      this.names.forEach((name, k) => {
        appender.appendInteger(k);
        appender.appendVarchar(name);
        appender.endRow();
      });
    } finally {
      appender.closeSync();
    }
    const ts = timestamps === 'ms' ? 'ts::BIGINT' : 'epoch_ms(ts::BIGINT)::TIMESTAMP_MS';
    const values = [...this.columns].map(([name, physical]) => `, ${physical} AS ${ident(name)}`).join('');
    await this.c.run(
      `COPY (SELECT ${ts} AS "timestamp", (SELECT list(name ORDER BY k) FROM names)[k + 1] AS series${values} FROM staging) TO ${literal(path)} (FORMAT parquet, PARQUET_VERSION v2)`,
    );
  }
}

/**
 * Write series (an array or an async stream of them, taken one at a time) to
 * a Parquet file. The file is written beside `path` under a temporary name and
 * renamed into place, so it appears complete or not at all. Returns the rows written.
 */
export async function writeParquetFile(
  series: Iterable<TimeSeries> | AsyncIterable<TimeSeries>,
  path: string,
  options: ParquetFileOptions = {},
): Promise<number> {
  const timestamps = options.timestamps ?? 'iso';
  if (timestamps !== 'iso' && timestamps !== 'ms') {
    throw new TsiotError('invalid_input', `timestamps: expected "iso" or "ms", got ${JSON.stringify(timestamps)}`, {
      details: { field: 'timestamps', example: 'iso' },
    });
  }
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${++tempCounter}.tmp`);
  // staged rows beyond the memory limit spill to a private temporary folder, so memory stays bounded
  const spill = await mkdtemp(join(tmpdir(), 'tsiot-parquet-spill-'));
  const instance = await DuckDBInstance.create(':memory:', {
    threads: '1',
    memory_limit: STAGING_MEMORY,
    temp_directory: spill,
  });
  try {
    const c = await instance.connect();
    try {
      await c.run('CREATE TABLE staging (ts DOUBLE, k INTEGER)');
      const staging = new Staging(c);
      for await (const s of series) await staging.append(s);
      await staging.copyTo(temp, timestamps);
      await rename(temp, path);
      return staging.rows;
    } finally {
      c.closeSync();
    }
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  } finally {
    instance.closeSync();
    await rm(spill, { recursive: true, force: true });
  }
}

/** The Parquet bytes of the series, built in a temporary file that is always removed. */
export async function parquetBytes(
  series: readonly TimeSeries[],
  options: ParquetFileOptions = {},
): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'tsiot-parquet-'));
  try {
    const file = join(dir, 'export.parquet');
    await writeParquetFile(series, file, options);
    return await readFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
