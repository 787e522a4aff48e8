import { WebSocket as NodeWebSocket } from 'ws';

/**
 * A global WebSocket for the SDK's WebSocketClientTransport on Node 20, with
 * the browser's delivery semantics: each message event is its own task. The
 * `ws` package emits every frame of one TCP read synchronously, so the SDK
 * client would handle a tool result before the progress notifications that
 * preceded it on the wire (its notification handlers run as microtasks) and
 * drop them. Browsers and Node 22's built-in WebSocket do not do that.
 */
class TaskPerMessageWebSocket extends NodeWebSocket {
  override set onmessage(handler: ((event: NodeWebSocket.MessageEvent) => void) | null) {
    super.onmessage = handler ? (event) => void setImmediate(() => handler(event)) : null;
  }
  override get onmessage(): ((event: NodeWebSocket.MessageEvent) => void) | null {
    return super.onmessage;
  }
}

export function installGlobalWebSocket(): void {
  (globalThis as { WebSocket?: unknown }).WebSocket = TaskPerMessageWebSocket;
}
