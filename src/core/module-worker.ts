/**
 * A worker thread running one module of the project: its built `.js` beside
 * the caller, or, when the caller itself runs from TypeScript sources (tests,
 * `tsx`), its `.ts` through tsx's loader, registered in the worker first
 * (Node 20 does not pass the parent's --import hooks to a worker's entry).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { type ErrorCode, TsiotError, isTsiotError } from './errors.js';

/** Start the module `name` (no extension) that sits beside `base` (the caller's import.meta.url). */
export function moduleWorker(base: string, name: string, options: WorkerOptions = {}): Worker {
  if (!base.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, base), options);
  const api = pathToFileURL(
    createRequire(base)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const entry = new URL(`./${name}.ts`, base).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(code, { ...options, eval: true });
}

/** An error as it crosses to another thread: a TsiotError's parts, or another error's message. */
export interface WireError {
  code?: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
  hint?: string;
}

export function errorToWire(e: unknown): WireError {
  if (!isTsiotError(e)) return { message: e instanceof Error ? e.message : String(e) };
  return {
    code: e.code,
    message: e.message,
    ...(e.details ? { details: e.details } : {}),
    ...(e.hint ? { hint: e.hint } : {}),
  };
}

/** The error back on this side: the same TsiotError, or an Error saying `what` failed in a worker. */
export function errorFromWire(w: WireError, what: string): Error {
  if (!w.code) return new Error(`${what} failed in a worker: ${w.message}`);
  return new TsiotError(w.code, w.message, {
    ...(w.details ? { details: w.details } : {}),
    ...(w.hint ? { hint: w.hint } : {}),
  });
}
