/**
 * Where `tsiot generate` writes: a file (under a temporary name beside it,
 * renamed into place only when complete) or stdout. A write error (a full
 * disk, a reader that closed the pipe) is caught the moment the stream
 * reports it, not left to crash the process, and stops the run through
 * `onFailure`; it then surfaces as a one-line message naming the output.
 */
import { createWriteStream, readlinkSync, type WriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { finished } from 'node:stream/promises';
import { TsiotError } from '../core/errors.js';
import { waitForDrain } from '../engines/export/sink.js';

/** Bytes a file output buffers before a write waits for 'drain' (the default, 16 KB, is below one encoder chunk). */
const WRITE_AHEAD_BYTES = 4 * 2 ** 20;

export interface Output {
  /** The file asked for, or undefined for stdout. */
  readonly path: string | undefined;
  /** The temporary file the data go to until `commit` (file output only). */
  readonly temp: string | undefined;
  /** Write one chunk, waiting while the stream's buffer is full; rejects once the output failed or `signal` fired. */
  write(chunk: Uint8Array): Promise<void>;
  /** Flush and close what was written (the temporary file stays under its temporary name). */
  close(): Promise<void>;
  /** Move the temporary file to its final name. */
  commit(): Promise<void>;
  /** Remove the temporary file, whatever state it is in. */
  discard(): Promise<void>;
}

/**
 * Open the output: `path` (its folder created) or stdout. `onFailure` runs
 * once, at the first write error, so a run waiting elsewhere (storing) stops
 * too; `signal` ends a write waiting for the stream to drain.
 */
export async function openOutput(
  path: string | undefined,
  onFailure: (e: Error) => void,
  signal: AbortSignal,
): Promise<Output> {
  const temp = path ? `${path}.${process.pid}.tmp` : undefined;
  if (path) await mkdir(dirname(path), { recursive: true });
  let failure: Error | undefined;
  let file: WriteStream | undefined;
  const fail = (e: Error) => {
    if (failure) return;
    failure = outputError(e, path);
    onFailure(failure);
  };
  const stream = (): NodeJS.WritableStream => {
    if (!temp) return process.stdout;
    if (!file) {
      // several chunks in flight, so formatting the next overlaps writing the last
      file = createWriteStream(temp, { highWaterMark: WRITE_AHEAD_BYTES });
      file.on('error', fail);
    }
    return file;
  };
  if (!temp) process.stdout.on('error', fail);
  // a failure of the output is reported as the output's own error, whatever the wait saw first
  const drained = (s: NodeJS.WritableStream) =>
    waitForDrain(s, signal).catch((e: unknown) => {
      throw failure ?? e;
    });
  return {
    path,
    temp,
    async write(chunk) {
      if (failure) throw failure;
      if (signal.aborted) throw signal.reason;
      const s = stream();
      if (!s.write(chunk)) await drained(s);
      if (failure) throw failure;
    },
    async close() {
      if (failure) throw failure;
      if (!temp) {
        // an empty write's callback reports an error of the writes before it (EPIPE after the last chunk)
        await new Promise<void>((resolve, reject) =>
          process.stdout.write('', (e) => (e ? reject(failure ?? outputError(e, path)) : resolve())),
        );
        return;
      }
      if (!file) return;
      file.end();
      try {
        await finished(file);
      } catch (e) {
        throw failure ?? outputError(e as Error, path);
      }
    },
    async commit() {
      if (temp && path) await rename(temp, path);
    },
    async discard() {
      if (!temp) return;
      if (file && !file.closed) {
        file.destroy();
        await new Promise<void>((resolve) => (file!.closed ? resolve() : file!.once('close', () => resolve())));
      }
      await rm(temp, { force: true });
    },
  };
}

/** The name of stdout for a message: the file or device it goes to when there is one (Linux). */
function stdoutName(): string {
  try {
    const target = readlinkSync('/proc/self/fd/1');
    return target.startsWith('/') ? `stdout (${target})` : 'stdout';
  } catch {
    return 'stdout';
  }
}

/**
 * A write error as a message a person can act on: a full disk names the
 * output; a reader that stopped reading says so. Other errors keep their own
 * message with the output named.
 */
export function outputError(e: Error, path: string | undefined): Error {
  if (e instanceof TsiotError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  const where = path ?? stdoutName();
  if (code === 'EPIPE' && !path)
    return new TsiotError('cancelled', 'stdout was closed by the reader; stopped', {
      details: { output: 'stdout' },
      cause: e,
    });
  if (code === 'ENOSPC' || /no space left on device/i.test(e.message))
    return new TsiotError('unavailable', `cannot write ${where}: no space left on device`, {
      details: { output: where },
      cause: e,
    });
  return new TsiotError('unavailable', `cannot write ${where}: ${e.message}`, {
    details: { output: where },
    cause: e,
  });
}
