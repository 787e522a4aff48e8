import type { IncomingMessage } from 'node:http';
import { TsiotError } from '../core/errors.js';

/** Default cap on a request body: 32 MiB (a few million JSON values). */
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Whether a Content-Type header names JSON (application/json or any +json type). */
export function isJsonContentType(value: string | null | undefined): boolean {
  if (!value) return false;
  const type = value.split(';', 1)[0]!.trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/**
 * Read a request body of at most `maxBytes` and parse it as JSON. An empty body
 * gives undefined. Throws TsiotError: `too_large` over the cap (checked from
 * Content-Length first, then while reading, so a large body is never held
 * whole), `invalid_input` for bytes that are not UTF-8 JSON.
 */
export async function readJsonBody(request: Request, maxBytes: number = DEFAULT_MAX_BODY_BYTES): Promise<unknown> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return undefined;

  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return parseJsonBody(Buffer.concat(chunks, size));
}

/**
 * readJsonBody for a Node request read directly (the server's own stream, no
 * web Request built around it), with the same limits and errors. Over the
 * cap it stops listening and leaves the rest to be drained, so the refusal
 * can still be answered on the connection.
 */
export async function readNodeJsonBody(
  incoming: IncomingMessage,
  maxBytes: number = DEFAULT_MAX_BODY_BYTES,
): Promise<unknown> {
  const declared = Number(incoming.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  if (incoming.readableEnded) return undefined;
  const bytes = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxBytes) {
        stop();
        reject(tooLarge(maxBytes));
      } else chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (e: Error) => {
      stop();
      reject(e);
    };
    const onClose = () => onError(new Error('the client closed the connection before the request body ended'));
    incoming.on('data', onData);
    incoming.once('end', onEnd);
    incoming.once('error', onError);
    incoming.once('close', onClose);
  });
  return parseJsonBody(bytes);
}

/** Strict UTF-8, made once: a decode without `stream` keeps no state between calls. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Body bytes → the parsed JSON (undefined when empty or blank), refusing bad UTF-8, deep nesting and bad JSON. */
function parseJsonBody(bytes: Buffer): unknown {
  if (bytes.byteLength === 0) return undefined;
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new TsiotError('invalid_input', 'The request body is not valid UTF-8 text.', {
      hint: 'Send the body as UTF-8 encoded JSON.',
    });
  }
  if (text.trim() === '') return undefined;
  const depth = nestingDepth(text, MAX_JSON_DEPTH);
  if (depth > MAX_JSON_DEPTH) {
    throw new TsiotError('invalid_input', `body: the request body nests JSON deeper than ${MAX_JSON_DEPTH} levels.`, {
      details: { field: 'body', expected: `JSON at most ${MAX_JSON_DEPTH} levels deep`, limitDepth: MAX_JSON_DEPTH },
      hint: 'Tool inputs are a few levels deep; flatten the data.',
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new TsiotError('invalid_input', `The request body is not valid JSON: ${(error as Error).message}`, {
      hint: 'Send a JSON object, e.g. {"seed": 42}, with Content-Type: application/json.',
    });
  }
}

/** Deepest nesting of arrays and objects a body may have; tool inputs need a handful of levels. */
export const MAX_JSON_DEPTH = 64;

/**
 * How deep arrays and objects nest in JSON text (brackets inside strings do
 * not count), stopping as soon as `stopAbove` is passed, so a hostile body
 * is refused before the parser or any schema walks it.
 */
export function nestingDepth(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c)
        i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x5b || ch === 0x7b) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > stopAbove) return max;
      }
    } else if (ch === 0x5d || ch === 0x7d) depth--;
  }
  return max;
}

function tooLarge(maxBytes: number): TsiotError {
  return new TsiotError('too_large', `The request body is larger than the ${maxBytes}-byte limit.`, {
    details: { limitBytes: maxBytes },
    hint: 'Send less data per request (for example fewer points per call), or store large series in several calls.',
  });
}
