import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** Ends a server's connections at shutdown without cutting off responses in flight. */
export interface ConnectionTracker {
  /**
   * Close every connection with no request in flight now (including sockets
   * that never sent one, which `server.closeIdleConnections()` leaves open),
   * and each busy one as soon as its last response ends.
   */
  endIdle(): void;
}

export function trackConnections(server: Server): ConnectionTracker {
  /** In-flight requests per open socket. */
  const inFlight = new Map<Socket, number>();
  let ending = false;

  server.on('connection', (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  server.on('request', (request, response) => {
    const socket = request.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    response.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, left);
      if (ending && left === 0) socket.destroySoon();
    });
  });

  return {
    endIdle() {
      ending = true;
      for (const [socket, count] of inFlight) if (count === 0) socket.destroySoon();
    },
  };
}
