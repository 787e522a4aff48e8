/**
 * Entry of the Parquet writer's worker thread (writeParquetFileInWorker):
 * series arrive as messages and go through writeParquetFile here, so encoding
 * overlaps the generation of the next devices on the main thread, and the
 * writer's WebAssembly memory goes when the worker does.
 *
 *   in:  { series }   a series to write, in order
 *        { end }      no more series
 *        { abort }    stop: the temporary files are removed, nothing is written
 *   out: { took }     the writer took a series (one more may be sent)
 *        { done, rows } the file is complete under workerData.path
 *        { failed }   the write failed (WireError)
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TsiotError } from '../../core/errors.js';
import { errorToWire } from '../../core/module-worker.js';
import type { TimeSeries } from '../../core/types.js';
import { type ParquetFileOptions, writeParquetFile } from './parquet.js';

type ToWorker = { series: TimeSeries } | { end: true } | { abort: true };

const port = parentPort!;
const { path, options } = workerData as { path: string; options: ParquetFileOptions };
const queue: TimeSeries[] = [];
let ended = false;
let aborted = false;
let wake: (() => void) | undefined;

port.on('message', (m: ToWorker) => {
  if ('series' in m) queue.push(m.series);
  else if ('end' in m) ended = true;
  else aborted = true;
  wake?.();
});

async function* incoming(): AsyncGenerator<TimeSeries> {
  for (;;) {
    if (aborted) throw new TsiotError('cancelled', 'the Parquet write was stopped');
    const next = queue.shift();
    if (next) {
      port.postMessage({ took: true });
      yield next;
      continue;
    }
    if (ended) return;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
    wake = undefined;
  }
}

try {
  const rows = await writeParquetFile(incoming(), path, options);
  port.postMessage({ done: true, rows });
} catch (e) {
  port.postMessage({ failed: errorToWire(e) });
}
