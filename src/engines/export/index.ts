import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TimeSeries } from '../../core/types.js';
import { TsiotError } from '../../core/errors.js';
import { ByteChunks, utf8 } from './bytes.js';
import { csvChunks, csvHeader, csvRowsUnder } from './csv.js';
import { lineChunks } from './line-protocol.js';
import { ndjsonChunks } from './ndjson.js';
import {
  checkExportable,
  checkFormat,
  resolveOptions,
  type ExportFormat,
  type ExportOptions,
  type ResolvedOptions,
} from './options.js';
import { parquetBytes, writeParquetFile, writeParquetFileInWorker } from './parquet.js';
import { toWriter, writeChunks, type ExportSink } from './sink.js';

export { exportLabels, type LabelFormat } from './labels.js';
export { writeParquetFile, writeParquetFileInWorker, type ParquetFileOptions } from './parquet.js';
export { EXPORT_FORMATS, type ExportFormat, type ExportOptions, type TimestampFormat } from './options.js';
export type { ExportSink } from './sink.js';

/**
 * Series as files for other tools. Formats (details in each encoder):
 * - csv: wide, `timestamp,series,<union of columns>`, RFC 4180 quoting (csv.ts);
 * - ndjson: one JSON object per row (ndjson.ts);
 * - line: InfluxDB line protocol, epoch-ms timestamps, write with precision=ms (line-protocol.ts);
 * - parquet: timestamp, series, DOUBLE value columns, through DuckDB (parquet.ts).
 * The `series` column (tag, field) holds the series name — a device id such as
 * "device-001" for generated fleets — not the storage id, so the same request
 * and seed export the same bytes whichever interface stored them.
 * The same series and options always give the same bytes.
 */

const TEXT_ENCODERS: Record<
  Exclude<ExportFormat, 'parquet'>,
  (series: readonly TimeSeries[], options: ResolvedOptions) => Iterable<Uint8Array>
> = {
  csv: csvChunks,
  ndjson: ndjsonChunks,
  line: lineChunks,
};

/** MIME type of each format, for HTTP responses. */
export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson',
  line: 'text/plain; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
};

/** The whole export in memory. For large fleets prefer writeSeries. */
export async function exportSeries(
  series: readonly TimeSeries[],
  format: ExportFormat,
  options: ExportOptions = {},
): Promise<Uint8Array> {
  checkFormat(format);
  const resolved = resolveOptions(options);
  checkExportable(series);
  if (format === 'parquet') return parquetBytes(series, resolved);
  const chunks: Uint8Array[] = [];
  await writeChunks(TEXT_ENCODERS[format](series, resolved), async (c) => void chunks.push(c));
  return Buffer.concat(chunks);
}

/**
 * Stream the export to a sink in chunks of about options.chunkBytes, waiting
 * for a stream's 'drain' when its buffer is full, so memory stays bounded by
 * one chunk (Parquet is built in a temporary file first, then streamed). The
 * bytes equal exportSeries's. The sink is not ended. Returns the bytes written.
 */
export async function writeSeries(
  series: readonly TimeSeries[],
  format: ExportFormat,
  sink: ExportSink,
  options: ExportOptions = {},
): Promise<number> {
  checkFormat(format);
  const resolved = resolveOptions(options);
  checkExportable(series);
  const write = toWriter(sink);
  if (format !== 'parquet') return writeChunks(TEXT_ENCODERS[format](series, resolved), write);
  const values = series.reduce((n, s) => n + s.timestamps.length * (1 + s.columns.length), 0);
  return parquetToSink(series, write, resolved, values >= WORKER_VALUES);
}

/**
 * Values from which Parquet is encoded in a worker thread: the event loop is
 * not held for seconds by one export, and the writer's memory goes with the
 * worker; below it, starting one costs more than the encoding.
 */
const WORKER_VALUES = 1_000_000;

/** Parquet of the series through a temporary file, then to the sink in chunks. */
async function parquetToSink(
  series: Iterable<TimeSeries> | AsyncIterable<TimeSeries>,
  write: (chunk: Uint8Array) => Promise<void>,
  resolved: ResolvedOptions,
  inWorker: boolean,
): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'tsiot-parquet-'));
  try {
    const file = join(dir, 'export.parquet');
    await (inWorker ? writeParquetFileInWorker : writeParquetFile)(series, file, resolved);
    let total = 0;
    for await (const chunk of createReadStream(file, { highWaterMark: resolved.chunkBytes })) {
      total += (chunk as Buffer).length;
      await write(chunk as Buffer);
    }
    return total;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Stream series taken one at a time to a sink, so memory holds one series
 * and one chunk of output whatever the total. The bytes equal writeSeries's
 * of the same series as an array when every series has the columns of the
 * first (as the devices of a generated fleet do): the CSV header is the first
 * series' columns, and a later series with a column the header lacks is
 * refused. Returns the bytes written.
 */
export async function writeSeriesStream(
  series: AsyncIterable<TimeSeries>,
  format: ExportFormat,
  sink: ExportSink,
  options: ExportOptions = {},
): Promise<number> {
  checkFormat(format);
  const resolved = resolveOptions(options);
  const write = toWriter(sink);
  // a stream is as long as it turns out: encoded in a worker, whatever its size
  if (format === 'parquet') return parquetToSink(series, write, resolved, true);
  let header: string[] | undefined;
  // one buffer across the series: chunks are cut where they fill, not where a series ends
  const out = new ByteChunks(resolved.chunkBytes);
  const chunks = async function* (): AsyncGenerator<Uint8Array> {
    for await (const s of series) {
      checkExportable([s]);
      if (format !== 'csv') {
        yield* (format === 'ndjson' ? ndjsonChunks : lineChunks)([s], resolved, out);
        continue;
      }
      if (!header) {
        header = s.columns.map((c) => c.name);
        const line = utf8(csvHeader(header));
        const cut = out.reserve(line.length);
        if (cut) yield cut;
        out.bytes(line);
      }
      const known = new Set(header);
      const extra = s.columns.find((c) => !known.has(c.name));
      if (extra)
        throw new TsiotError(
          'invalid_input',
          `series "${s.name}" has column "${extra.name}", which the CSV header (the first series' columns) lacks`,
          { details: { field: 'columns', column: extra.name } },
        );
      yield* csvRowsUnder(header, s, resolved, out);
    }
    const last = out.take();
    if (last) yield last;
  };
  return writeChunks(chunks(), write);
}
