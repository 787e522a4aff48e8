import { TsiotError } from '../../core/errors.js';

/** Where a streamed export goes: a writable stream (backpressure honoured) or an async callback. */
export type ExportSink = NodeJS.WritableStream | ((chunk: Uint8Array) => Promise<void> | void);

type Writer = (chunk: Uint8Array) => Promise<void>;

function waitForDrain(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: unknown) => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onError = (e: unknown) => done(e);
    const onClose = () => done(new TsiotError('cancelled', 'the output stream closed before the export finished'));
    stream.on('drain', onDrain);
    stream.on('error', onError);
    stream.on('close', onClose);
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

/**
 * Join text pieces into chunks of about `chunkBytes` and write each as UTF-8,
 * waiting for the sink before producing more. Returns the bytes written.
 */
export async function writePieces(pieces: Iterable<string>, write: Writer, chunkBytes: number): Promise<number> {
  let pending: string[] = [];
  let length = 0;
  let total = 0;
  const flush = async () => {
    const chunk = Buffer.from(pending.join(''), 'utf8');
    pending = [];
    length = 0;
    total += chunk.length;
    await write(chunk);
  };
  for (const piece of pieces) {
    pending.push(piece);
    length += piece.length;
    if (length >= chunkBytes) await flush();
  }
  if (length > 0) await flush();
  return total;
}

/** writePieces for pieces produced asynchronously (series generated one at a time). */
export async function writePiecesAsync(
  pieces: AsyncIterable<string>,
  write: Writer,
  chunkBytes: number,
): Promise<number> {
  let pending: string[] = [];
  let length = 0;
  let total = 0;
  const flush = async () => {
    const chunk = Buffer.from(pending.join(''), 'utf8');
    pending = [];
    length = 0;
    total += chunk.length;
    await write(chunk);
  };
  for await (const piece of pieces) {
    pending.push(piece);
    length += piece.length;
    if (length >= chunkBytes) await flush();
  }
  if (length > 0) await flush();
  return total;
}
