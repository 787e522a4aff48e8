/**
 * A small pool of worker threads for CPU-heavy work (long validations,
 * analyses, large generations), so one request cannot freeze the event loop
 * that serves every other client, MCP session and health probe.
 *
 * - At most `size` tasks run at once (one per worker), at most `maxQueued`
 *   wait; beyond that a task is refused with `rate_limited` (retryable).
 * - Each worker has a heap limit (`resourceLimits`): a task that exceeds it
 *   kills only its worker and fails with `too_large`.
 * - A task whose signal aborts terminates its worker (the only way to stop
 *   synchronous code) and fails with `cancelled`; the pool starts a new one.
 * - Progress messages from the worker reach the task's `onProgress`, other
 *   events it emits (a fit's checkpoints) its `onEvent`.
 */
import type { Worker } from 'node:worker_threads';
import { errorFromWire, moduleWorker, type WireError } from '../../core/module-worker.js';
import { TsiotError } from '../../core/errors.js';
import { Semaphore } from '../../core/semaphore.js';
import type { Progress } from '../../core/types.js';

export interface WorkerPoolOptions {
  /** Workers (and so tasks running at once); default 1. */
  size?: number;
  /** Tasks waiting beyond those running; default 16. */
  maxQueued?: number;
  /** Heap limit of each worker, MiB; default 2048. */
  maxHeapMb?: number;
}

type FromWorker =
  | { kind: 'progress'; id: number; progress: Progress }
  | { kind: 'event'; id: number; event: unknown }
  | { kind: 'done'; id: number; output: unknown }
  | { kind: 'failed'; id: number; error: WireError };

interface Slot {
  worker: Worker | undefined;
  busy: boolean;
}

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Events the task emits besides progress (e.g. a fit's checkpoints), in order. */
  onEvent?: (event: unknown) => void;
}

export class WorkerPool {
  readonly size: number;
  private readonly gate: Semaphore;
  private readonly maxHeapMb: number;
  private readonly slots: Slot[];
  private nextId = 1;
  private closed = false;

  constructor(options: WorkerPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? 1);
    this.gate = new Semaphore(this.size, options.maxQueued ?? 16, 'heavy tasks');
    this.maxHeapMb = options.maxHeapMb ?? 2048;
    this.slots = Array.from({ length: this.size }, () => ({ worker: undefined, busy: false }));
  }

  /** Tasks running now, and waiting. */
  get load(): { running: number; queued: number } {
    return { running: this.gate.running, queued: this.gate.queued };
  }

  /** Run a task of tasks.ts by name; its output type is the caller's to state (the pool does not import the tasks). */
  run<O = unknown>(name: string, input: unknown, options: RunOptions = {}): Promise<O> {
    if (this.closed) return Promise.reject(new TsiotError('unavailable', 'The server is shutting down'));
    return this.gate.run(() => this.runNow(name, input, options), options.signal) as Promise<O>;
  }

  private runNow(name: string, input: unknown, options: RunOptions): Promise<unknown> {
    const slot = this.slots.find((s) => !s.busy)!;
    slot.busy = true;
    slot.worker ??= this.spawn();
    const worker = slot.worker;
    const id = this.nextId++;
    return new Promise<unknown>((resolve, reject) => {
      const finish = () => {
        slot.busy = false;
        worker.unref();
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const retire = () => {
        if (slot.worker === worker) slot.worker = undefined;
        void worker.terminate();
      };
      const onMessage = (m: FromWorker) => {
        if (m.id !== id) return;
        if (m.kind === 'progress') {
          options.onProgress?.(m.progress);
          return;
        }
        if (m.kind === 'event') {
          options.onEvent?.(m.event);
          return;
        }
        finish();
        if (m.kind === 'done') resolve(m.output);
        else reject(errorFromWire(m.error, name));
      };
      const onError = (e: Error) => {
        finish();
        retire();
        const oom = (e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
        reject(
          oom
            ? new TsiotError('too_large', `${name} needed more than the ${this.maxHeapMb} MiB a task may use`, {
                details: { limitMb: this.maxHeapMb },
                hint: 'Send less data per call (fewer series, a shorter range).',
              })
            : e,
        );
      };
      const onExit = (code: number) => {
        finish();
        retire();
        reject(new Error(`the worker running ${name} exited with code ${code}`));
      };
      const onAbort = () => {
        finish();
        retire();
        reject(new TsiotError('cancelled', `${name} was cancelled`));
      };
      if (options.signal?.aborted) return onAbort();
      // a task in progress keeps the process alive (a CLI run waits for it); an idle worker does not
      worker.ref();
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      worker.postMessage({ id, name, input });
    });
  }

  private spawn(): Worker {
    const resourceLimits = { maxOldGenerationSizeMb: this.maxHeapMb };
    const worker = moduleWorker(import.meta.url, 'worker', { resourceLimits });
    // an idle worker must not keep the process alive
    worker.unref();
    return worker;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker?.terminate()));
    for (const s of this.slots) s.worker = undefined;
  }
}
