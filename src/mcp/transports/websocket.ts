import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ErrorCode,
  JSONRPCMessageSchema,
  type JSONRPCMessage,
  type MessageExtraInfo,
} from '@modelcontextprotocol/sdk/types.js';
import { WebSocket, type RawData } from 'ws';

/** The WebSocket subprotocol MCP clients ask for (the SDK's WebSocketClientTransport uses it). */
export const MCP_WS_SUBPROTOCOL = 'mcp';

/** Close codes this transport uses (RFC 6455 §7.4.1). */
export const WS_CLOSE = {
  normal: 1000,
  goingAway: 1001,
  tryAgainLater: 1013,
  /** The connection's token expired (an application code, as HTTP 401): reconnect with a fresh one. */
  tokenExpired: 4401,
} as const;

/** JSON-RPC error code of a message refused by the rate limit (server-defined range). */
export const RATE_LIMITED_CODE = -32029;

/** Whether one more message may be handled now, or in how many seconds to retry. */
export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface WebSocketServerTransportOptions {
  /** Headers of the upgrade request, handed to handlers as requestInfo. */
  headers?: IncomingHttpHeaders;
  /** Who opened the connection, handed to handlers as authInfo with every message. */
  authInfo?: AuthInfo;
  /**
   * Most bytes allowed to wait in the socket's send buffer. A peer that stops
   * reading past this point is dropped (it would not read a close frame
   * either) instead of letting the buffer grow without bound. Default 16 MiB.
   */
  maxBufferedBytes?: number;
  /** How long close() waits for the closing handshake before dropping the socket. Default 2000 ms. */
  closeTimeoutMs?: number;
  /**
   * Asked before each message is handled (the rate limit). A refused request
   * is answered with a JSON-RPC error naming when to retry; a refused
   * notification or response is dropped. Messages keep their order.
   */
  admit?: () => Promise<Admission>;
}

const DEFAULT_MAX_BUFFERED = 16 * 1024 * 1024;
const DEFAULT_CLOSE_TIMEOUT_MS = 2_000;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Server side of MCP over WebSocket: one accepted socket, one JSON-RPC message
 * per frame (text frames; binary frames are read as UTF-8 too). A frame that
 * is not JSON gets a JSON-RPC parse error reply; JSON that is not a JSON-RPC
 * message gets an invalid-request reply. Both are reported through onerror
 * and the connection stays open.
 *
 * send() resolves once the frame has been handed to the socket, so a slow
 * reader slows the sender down instead of filling memory.
 */
export class WebSocketServerTransport implements Transport {
  readonly sessionId: string = randomUUID();
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;

  private readonly socket: WebSocket;
  private readonly headers: IncomingHttpHeaders | undefined;
  private readonly authInfo: AuthInfo | undefined;
  private readonly maxBufferedBytes: number;
  private readonly closeTimeoutMs: number;
  private readonly admit: (() => Promise<Admission>) | undefined;
  /** Admitted messages are delivered in arrival order. */
  private admitted: Promise<void> = Promise.resolve();
  private started = false;
  private closed = false;
  private socketClosed = false;
  /** Frames that arrived before start(), delivered in order once it runs. */
  private pending: { data: RawData; isBinary: boolean }[] | undefined = [];

  /**
   * Listens on the socket right away, so frames a client sends while the
   * server is still being built are kept, not lost.
   */
  constructor(socket: WebSocket, options: WebSocketServerTransportOptions = {}) {
    this.socket = socket;
    this.headers = options.headers;
    this.authInfo = options.authInfo;
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
    this.closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    this.admit = options.admit;
    socket.on('message', (data, isBinary) => {
      if (this.pending) this.pending.push({ data, isBinary });
      else this.receive(data, isBinary);
    });
    socket.on('error', (error) => this.onerror?.(error));
    socket.on('close', () => {
      this.socketClosed = true;
      if (this.started) this.finish();
    });
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('WebSocketServerTransport already started');
    this.started = true;
    const pending = this.pending ?? [];
    this.pending = undefined;
    for (const frame of pending) this.receive(frame.data, frame.isBinary);
    if (this.socketClosed) this.finish();
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.socket.readyState !== WebSocket.OPEN) throw new Error('WebSocket is not open');
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.socket.terminate();
      throw new Error(`WebSocket send buffer over ${this.maxBufferedBytes} bytes; the peer is not reading, closing`);
    }
    const frame = JSON.stringify(message);
    await new Promise<void>((resolve, reject) => {
      this.socket.send(frame, { binary: false }, (error) => (error ? reject(error) : resolve()));
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const socket = this.socket;
    if (this.socketClosed) {
      this.finish();
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => socket.terminate(), this.closeTimeoutMs);
      timer.unref();
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
      else if (socket.readyState === WebSocket.OPEN) socket.close(WS_CLOSE.normal, 'server closing');
    });
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.();
  }

  private receive(data: RawData, isBinary: boolean): void {
    let text: string;
    try {
      text = decode(data, isBinary);
    } catch {
      this.reject(ErrorCode.ParseError, 'Parse error: frame is not valid UTF-8', null);
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      this.reject(ErrorCode.ParseError, `Parse error: ${(error as Error).message}`, null);
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(json);
    if (!parsed.success) {
      const hint = Array.isArray(json) ? ' (batches are not supported: send one message per frame)' : '';
      this.reject(ErrorCode.InvalidRequest, `Invalid Request: not a JSON-RPC 2.0 message${hint}`, idOf(json));
      return;
    }
    const extra: MessageExtraInfo | undefined =
      this.headers || this.authInfo
        ? {
            ...(this.headers ? { requestInfo: { headers: this.headers } } : {}),
            ...(this.authInfo ? { authInfo: this.authInfo } : {}),
          }
        : undefined;
    const message = parsed.data;
    const admit = this.admit;
    if (!admit) {
      this.onmessage?.(message, extra);
      return;
    }
    this.admitted = this.admitted.then(async () => {
      let admission: Admission;
      try {
        admission = await admit();
      } catch (error) {
        this.onerror?.(error as Error);
        admission = { ok: true };
      }
      if (admission.ok) {
        this.onmessage?.(message, extra);
        return;
      }
      const id = 'method' in message && 'id' in message ? (message.id as string | number) : undefined;
      if (id === undefined) return;
      this.reply(RATE_LIMITED_CODE, `Too many requests; retry in ${admission.retryAfterSeconds} s`, id, {
        retryAfterSeconds: admission.retryAfterSeconds,
      });
    });
  }

  private reply(code: number, message: string, id: string | number | null, data?: Record<string, unknown>): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    const error = { code, message, ...(data ? { data } : {}) };
    this.socket.send(JSON.stringify({ jsonrpc: '2.0', id, error }), (e) => {
      if (e) this.onerror?.(e);
    });
  }

  /** Report a bad frame and answer it with a JSON-RPC error, keeping the connection open. */
  private reject(code: number, message: string, id: string | number | null): void {
    this.onerror?.(new Error(`WebSocket ${this.sessionId}: ${message}`));
    this.reply(code, message, id);
  }
}

function decode(data: RawData, isBinary: boolean): string {
  const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  // Text frames are already UTF-8 checked by ws; binary frames are decoded strictly.
  return isBinary ? utf8.decode(buffer) : buffer.toString('utf8');
}

/** The id of a malformed request when one can be read, so the client can match the error. */
function idOf(json: unknown): string | number | null {
  if (json && typeof json === 'object' && !Array.isArray(json)) {
    const id = (json as { id?: unknown }).id;
    if (typeof id === 'string' || typeof id === 'number') return id;
  }
  return null;
}
