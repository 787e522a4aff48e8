import { TsiotError } from '../../core/errors.js';

/** Where a streamed export goes: a writable stream (backpressure honoured) or an async callback. */
export type ExportSink = NodeJS.WritableStream | ((chunk: Uint8Array) => Promise<void> | void);

type Writer = (chunk: Uint8Array) => Promise<void>;

/** Resolves on 'drain'; rejects on the stream's error, its close, or `signal` (with the signal's reason). */
export function waitForDrain(stream: NodeJS.WritableStream, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: unknown) => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onError = (e: unknown) => done(e);
    const onClose = () => done(new TsiotError('cancelled', 'the output stream closed before the export finished'));
    const onAbort = () => done(signal!.reason);
    stream.on('drain', onDrain);
    stream.on('error', onError);
    stream.on('close', onClose);
    signal?.addEventListener('abort', onAbort);
  });
}

/** One write function for either kind of sink; a stream is awaited on 'drain' when its buffer is full. */
export function toWriter(sink: ExportSink): Writer {
  if (typeof sink === 'function') return async (chunk) => void (await sink(chunk));
  return async (chunk) => {
    if ((sink as { destroyed?: boolean }).destroyed)
      throw new TsiotError('cancelled', 'the output stream closed before the export finished');
    if (!sink.write(chunk)) await waitForDrain(sink);
  };
}

/** Write chunks as they are made, waiting for the sink before making more. Returns the bytes written. */
export async function writeChunks(
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  write: Writer,
): Promise<number> {
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.length;
    await write(chunk);
  }
  return total;
}
