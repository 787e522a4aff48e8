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
  constructor(...args: ConstructorParameters<typeof NodeWebSocket>) {
    super(...args);
    // the ws class defines onmessage as an accessor on its prototype; wrap it per instance
    const proto = Object.getOwnPropertyDescriptor(NodeWebSocket.prototype, 'onmessage');
    Object.defineProperty(this, 'onmessage', {
      configurable: true,
      get: () => proto?.get?.call(this),
      set: (handler: ((event: NodeWebSocket.MessageEvent) => void) | null) => {
        proto?.set?.call(
          this,
          handler ? (event: NodeWebSocket.MessageEvent) => void setImmediate(() => handler(event)) : null,
        );
      },
    });
  }
}

export function installGlobalWebSocket(): void {
  (globalThis as { WebSocket?: unknown }).WebSocket = TaskPerMessageWebSocket;
}
