import type {
  DuckDBConnection,
  DuckDBInstance,
  DuckDBMaterializedResult,
  DuckDBPreparedStatement,
  DuckDBType,
  DuckDBValue,
} from '@duckdb/node-api';
import { TsiotError } from '../../../core/errors.js';

const statements = new WeakMap<DuckDBConnection, Map<string, DuckDBPreparedStatement>>();

/**
 * Run `sql` as a statement prepared once per connection and kept: `run`
 * splits, parses and plans its SQL on every call (several trips to DuckDB's
 * threads), which is most of the cost of the small statements every store
 * makes. For statements whose text is fixed, on a connection that runs one
 * statement at a time (the writer): a kept statement holds its bindings
 * between runs.
 */
export async function runPrepared(
  c: DuckDBConnection,
  sql: string,
  values?: DuckDBValue[],
  types?: DuckDBType[],
): Promise<DuckDBMaterializedResult> {
  let kept = statements.get(c);
  if (!kept) {
    kept = new Map();
    statements.set(c, kept);
  }
  let p = kept.get(sql);
  if (!p) {
    p = await c.prepare(sql);
    kept.set(sql, p);
  }
  if (values) p.bind(values, types);
  return p.run();
}

/** Run `fn` inside BEGIN … COMMIT on `c`, rolling back (and rethrowing the first error) when anything fails. */
export async function inTransaction<T>(c: DuckDBConnection, fn: () => Promise<T>): Promise<T> {
  await runPrepared(c, 'BEGIN TRANSACTION');
  try {
    const result = await fn();
    await runPrepared(c, 'COMMIT');
    return result;
  } catch (e) {
    await c.run('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

const closedError = () =>
  new TsiotError('unavailable', 'the DuckDB storage is closed', { hint: 'Create a new storage object.' });

/**
 * The connections of one DuckDB instance: a single writer (DuckDB allows one
 * writing transaction at a time, so writes queue here in call order) and a
 * small pool of readers that run concurrently on DuckDB's own threads. Readers
 * see only committed data, so a read never observes half of a store.
 */
export class Connections {
  private writeTail: Promise<unknown> = Promise.resolve();
  private readonly idle: DuckDBConnection[] = [];
  private readonly all: DuckDBConnection[] = [];
  private readonly waiters: ((c: DuckDBConnection) => void)[] = [];
  private busy = 0;
  private opened = 0;
  private drained: (() => void) | undefined;
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly maxReaders: number,
  ) {}

  static async open(instance: DuckDBInstance, maxReaders: number): Promise<Connections> {
    return new Connections(instance, await instance.connect(), maxReaders);
  }

  /** Run `fn` with the writer once every earlier write has finished. */
  write<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(closedError());
    const run = this.writeTail.then(() => fn(this.writer));
    this.writeTail = run.catch(() => undefined);
    return run;
  }

  /** Run `fn` with a reader of its own for its duration. */
  async read<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) throw closedError();
    const c = await this.acquire();
    try {
      return await fn(c);
    } finally {
      this.release(c);
    }
  }

  /**
   * Refuse new work, wait for the writes queued so far and the reads running,
   * then close every connection and the instance.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.writeTail;
    if (this.busy > 0) await new Promise<void>((done) => (this.drained = done));
    for (const c of this.all) c.closeSync();
    this.writer.closeSync();
    this.instance.closeSync();
  }

  private async acquire(): Promise<DuckDBConnection> {
    this.busy++;
    const ready = this.idle.pop();
    if (ready) return ready;
    if (this.opened < this.maxReaders) {
      this.opened++;
      try {
        const c = await this.instance.connect();
        this.all.push(c);
        return c;
      } catch (e) {
        this.opened--;
        this.busy--;
        throw e;
      }
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(c: DuckDBConnection): void {
    // `busy` counts readers holding a connection and readers waiting for one
    this.busy--;
    const next = this.waiters.shift();
    if (next) {
      next(c);
    } else {
      this.idle.push(c);
    }
    if (this.busy === 0 && this.drained) {
      this.drained();
      this.drained = undefined;
    }
  }
}
