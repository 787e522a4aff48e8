/**
 * `tsiot generate` as a stream: each device is generated, written to the
 * output, stored when asked, and dropped, so memory holds one device and one
 * batch waiting to be stored whatever the fleet. All or nothing: when
 * anything fails on the way (a write or store error, a full disk, a reader
 * closing stdout, Ctrl-C or SIGTERM), the series this command stored are
 * deleted again (announced, as every deletion is) and the unfinished output
 * file is removed, so nothing is left under the final name.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TsiotError } from '../core/errors.js';
import type { TimeSeries } from '../core/types.js';
import type { Engines } from '../engines/engines.js';
import type { ExportFormat } from '../engines/export/index.js';
import type { GenerationStream } from '../engines/generation/service.js';
import type { StoreResult } from '../engines/storage/storage.js';
import { watchInterrupts } from './interrupt.js';
import { loadExport } from './lazy.js';
import { type Output, openOutput } from './output.js';
import { createProgressBar } from './progress-bar.js';

/** Values stored per commit: about 8 MB of doubles, as a generation job's default chunk; two batches are held at most. */
const STORE_BATCH_VALUES = 1_000_000;
/** Longest stretch without letting the event loop run, so a signal or a write error is seen promptly. */
const YIELD_EVERY_MS = 25;
/** Stored ids printed in full up to this many; beyond it the count, the first and the last. */
const IDS_LISTED = 20;

export interface StreamGenerationOptions {
  format: ExportFormat;
  /** File to write; stdout when absent. */
  output?: string;
  /** Also write the labelled intervals to this JSON file. */
  labels?: string;
  timestamps?: 'iso' | 'ms';
  /** Store every device through engines.series. */
  store: boolean;
  /** Write the data to the output (false: store only, no output is opened). */
  write?: boolean;
  /** Print the seed on stderr (it was drawn, not given). */
  reportSeed: boolean;
}

/** Write (and store) a generation device by device; see the module comment. */
export async function streamGeneration(
  engines: Engines,
  stream: GenerationStream,
  opts: StreamGenerationOptions,
): Promise<void> {
  if (opts.reportSeed) process.stderr.write(`seed: ${stream.seed} (pass --seed ${stream.seed} to reproduce)\n`);
  const interrupts = watchInterrupts();
  // aborted by the first failure, wherever it happens, so every other part stops too
  const stop = new AbortController();
  const onInterrupt = () => stop.abort(interrupts.signal.reason);
  interrupts.signal.addEventListener('abort', onInterrupt);
  const out = opts.write === false ? noOutput : await openOutput(opts.output, (e) => stop.abort(e), stop.signal);
  const bar = createProgressBar('generating');
  const labels: unknown[] = [];
  const stored: StoreResult[] = [];
  let batch: TimeSeries[] = [];
  let batchValues = 0;
  let rows = 0;
  let values = 0;
  let lastYield = performance.now();

  const checkStop = () => {
    if (stop.signal.aborted) throw stop.signal.reason;
  };
  const pause = async () => {
    checkStop();
    if (performance.now() - lastYield < YIELD_EVERY_MS) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    lastYield = performance.now();
    checkStop();
  };
  // one batch commits while the next is generated and written (the store waits on DuckDB's threads)
  let storing: Promise<void> = Promise.resolve();
  const storeBatch = async () => {
    await storing;
    if (!batch.length) return;
    const part = batch;
    batch = [];
    batchValues = 0;
    storing = engines.series.store(part, { signal: stop.signal }).then((r) => void stored.push(...r));
    // a failed store stops the run at once, not only when the next batch is due
    storing.catch((e: unknown) => stop.abort(e));
  };
  async function* devices(): AsyncGenerator<TimeSeries> {
    for (let d = 0; d < stream.count; d++) {
      await pause();
      const s = await stream.device(d, pause);
      const n = s.timestamps.length;
      rows += n;
      values += n * s.columns.length;
      for (const l of s.labels) labels.push({ series: s.name, ...l });
      bar.update({ done: d + 1, total: stream.count });
      yield s;
      // written; storing gives it a storage id, which no output format carries
      if (opts.store) {
        batch.push(s);
        batchValues += n * (1 + s.columns.length);
        if (batchValues >= STORE_BATCH_VALUES) await storeBatch();
      }
    }
    await storeBatch();
    await storing;
  }

  try {
    const { writeParquetFileInWorker, writeSeriesStream } = await loadExport();
    const timestamps = opts.timestamps ? { timestamps: opts.timestamps } : {};
    // Parquet to a file is built in place (its temporary name), not in a scratch file copied over, and
    // encoded in a worker thread while this one generates the next devices
    if (opts.write === false) for await (const _ of devices());
    else if (opts.format === 'parquet' && out.temp) await writeParquetFileInWorker(devices(), out.temp, timestamps);
    else await writeSeriesStream(devices(), opts.format, (chunk) => out.write(chunk), timestamps);
    await out.close();
    checkStop();
    if (opts.labels) await writeLabels(opts.labels, labels);
    checkStop();
    await out.commit();
  } catch (e) {
    const failure = stop.signal.aborted ? (stop.signal.reason as unknown) : e;
    stop.abort(failure);
    // a batch still committing is undone with the rest once it has
    await storing.catch(() => undefined);
    throw await undo(engines, stored, out, failure);
  } finally {
    bar.done();
    interrupts.signal.removeEventListener('abort', onInterrupt);
    interrupts.dispose();
  }
  if (opts.output)
    process.stderr.write(`wrote ${rows} rows (${values} values, ${stream.count} series) to ${opts.output}\n`);
  if (stored.length) process.stderr.write(`${storedLine(stored)}\n`);
}

/** The output of a store-only run: nothing is written. */
const noOutput: Output = {
  path: undefined,
  temp: undefined,
  write: async () => undefined,
  close: async () => undefined,
  commit: async () => undefined,
  discard: async () => undefined,
};

/** The stored ids on one line: all of them for a few, else the count, the first and the last. */
function storedLine(stored: readonly StoreResult[]): string {
  return `stored in ${stored[0]!.backend}: ${idList(stored)}`;
}

function idList(items: readonly { id: string }[]): string {
  if (items.length <= IDS_LISTED) return items.map((s) => s.id).join(' ');
  return `${items.length} series, ${items[0]!.id} … ${items[items.length - 1]!.id}`;
}

/** Labels as JSON, written under a temporary name and renamed, so the file is whole or absent. */
async function writeLabels(path: string, labels: readonly unknown[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temp, `${JSON.stringify(labels, null, 2)}\n`);
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
}

/**
 * After a failure: remove the unfinished output and delete what was stored,
 * then return the failure as one line saying what was undone (the signal it
 * carries decides the exit code).
 */
async function undo(
  engines: Engines,
  stored: readonly StoreResult[],
  out: { temp: string | undefined; discard(): Promise<void> },
  failure: unknown,
): Promise<unknown> {
  await out.discard();
  const kept: string[] = [];
  for (const { id } of stored) {
    try {
      await engines.series.delete(id);
    } catch {
      kept.push(id);
    }
  }
  const undone = [
    ...(stored.length > kept.length ? [`the ${stored.length - kept.length} series it stored were deleted`] : []),
    ...(kept.length ? [`${kept.length} could not be deleted (${idList(kept.map((id) => ({ id })))})`] : []),
    ...(out.temp ? ['no output file was left'] : []),
  ];
  const base =
    failure instanceof TsiotError
      ? failure
      : new TsiotError('internal', `unexpected error: ${(failure as Error)?.message ?? String(failure)}`, {
          cause: failure,
        });
  if (!undone.length) return base;
  return new TsiotError(base.code, `${base.message}; ${undone.join(', ')}`, {
    ...(base.details ? { details: base.details } : {}),
    ...(base.hint ? { hint: base.hint } : {}),
    cause: failure,
  });
}
