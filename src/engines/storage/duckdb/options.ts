import { TsiotError } from '../../../core/errors.js';

/**
 * Resource settings of the DuckDB backend and how a storage URL spells them:
 *
 *   duckdb:///var/lib/tsiot/tsiot.duckdb?memory_limit=1GB&threads=2
 *   duckdb://:memory:?threads=1
 *
 * memory_limit caps DuckDB's buffer manager (its cache of table data and the
 * working memory of queries); above it DuckDB evicts pages or spills to its
 * temporary directory. A file database defaults to DEFAULT_MEMORY_LIMIT; an
 * in-memory one keeps DuckDB's default (80% of RAM), since its data lives in
 * that memory. threads defaults to DuckDB's (the number of cores).
 */

export const DEFAULT_MEMORY_LIMIT = '512MB';

/**
 * WAL size at which a commit checkpoints a file database: half its memory
 * limit, at most 256 MB. DuckDB's default (16 MB) makes a bulk store
 * checkpoint every few series, rewriting the last row group of the blocks
 * table each time (storing 24 M values series by series took 4.6 s in DuckDB
 * at 16 MB, 1.5 s at 256 MB), but what is not yet checkpointed stays pinned in
 * memory: at a threshold above the memory limit a long bulk store fails with
 * "failed to pin block". After a crash the WAL is replayed on open, so a
 * larger one costs only recovery time.
 */
export const MAX_CHECKPOINT_THRESHOLD = 256 * 2 ** 20;

const UNITS: Record<string, number> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KIB: 2 ** 10,
  MIB: 2 ** 20,
  GIB: 2 ** 30,
  TIB: 2 ** 40,
};

/** Bytes of a memory size checkMemoryLimit accepts. */
export function memoryBytes(size: string): number {
  const m = MEMORY.exec(size.trim())!;
  return Number(size.trim().slice(0, -m[2]!.length)) * UNITS[m[2]!.toUpperCase()]!;
}

/** The checkpoint threshold for a file database of this memory limit (see MAX_CHECKPOINT_THRESHOLD). */
export function checkpointThreshold(memoryLimit: string): string {
  const bytes = Math.min(MAX_CHECKPOINT_THRESHOLD, Math.floor(memoryBytes(memoryLimit) / 2));
  return `${Math.max(1, Math.floor(bytes / 2 ** 20))}MiB`;
}

export interface DuckDbResourceOptions {
  /** DuckDB memory_limit, e.g. '512MB', '1GB', '2GiB'. */
  memoryLimit?: string;
  /** DuckDB worker threads, 1–1024. */
  threads?: number;
}

const MEMORY = /^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)$/i;

/** Throw invalid_input unless `value` is a DuckDB memory size. */
export function checkMemoryLimit(value: unknown, field = 'memoryLimit'): string {
  if (typeof value !== 'string' || !MEMORY.test(value.trim())) {
    throw new TsiotError(
      'invalid_input',
      `${field}: expected a memory size such as "512MB" or "2GiB", got ${JSON.stringify(value)}`,
      {
        details: { field, expected: 'a number followed by B, KB, MB, GB, TB, KiB, MiB, GiB or TiB', example: '512MB' },
      },
    );
  }
  return value.trim();
}

/** Throw invalid_input unless `value` is a whole number of threads from 1 to 1024. */
export function checkThreads(value: unknown, field = 'threads'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 1024) {
    throw new TsiotError(
      'invalid_input',
      `${field}: expected a whole number from 1 to 1024, got ${JSON.stringify(value)}`,
      { details: { field, example: 2 } },
    );
  }
  return value;
}

/** The DuckDB configuration for DuckDBInstance.create. */
export function instanceConfig(path: string, options: DuckDbResourceOptions): Record<string, string> {
  const given = options.memoryLimit ?? (path === ':memory:' ? undefined : DEFAULT_MEMORY_LIMIT);
  const memoryLimit = given === undefined ? undefined : checkMemoryLimit(given);
  return {
    ...(memoryLimit !== undefined ? { memory_limit: memoryLimit } : {}),
    ...(path === ':memory:' || memoryLimit === undefined
      ? {}
      : { checkpoint_threshold: checkpointThreshold(memoryLimit) }),
    ...(options.threads !== undefined ? { threads: String(checkThreads(options.threads)) } : {}),
  };
}

/**
 * Split the part of a duckdb:// URL after the scheme into the path and the
 * resource options of its query (memory_limit, threads; nothing else).
 */
export function parseDuckDbLocation(rest: string): { path: string } & DuckDbResourceOptions {
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : rest.slice(q + 1));
  const out: { path: string } & DuckDbResourceOptions = { path };
  for (const [key, value] of params) {
    if (key === 'memory_limit') out.memoryLimit = checkMemoryLimit(value, 'storage memory_limit');
    else if (key === 'threads')
      out.threads = checkThreads(/^\d+$/.test(value) ? Number(value) : value, 'storage threads');
    else {
      throw new TsiotError('invalid_input', `storage: unknown DuckDB URL parameter "${key}"`, {
        details: {
          field: 'storage',
          expected: 'memory_limit and threads',
          example: 'duckdb://./data/tsiot.duckdb?memory_limit=1GB&threads=2',
        },
      });
    }
  }
  return out;
}
