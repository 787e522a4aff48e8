import { Writable } from 'node:stream';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { pino } from 'pino';
import { WebSocket as NodeWebSocket } from 'ws';
import { z } from 'zod';
import type { Logger } from '../../../src/core/logger.js';

/**
 * Builds tiny MCP servers with two tools: `echo` (returns its text) and
 * `whoami` (returns which server instance answered), so tests can tell
 * sessions apart. `created` counts the instances built.
 */
export function mcpServerFactory(): { create: () => McpServer; created: () => number } {
  let count = 0;
  return {
    created: () => count,
    create() {
      const instance = ++count;
      const server = new McpServer({ name: 'fixture', version: '1.0.0' });
      server.registerTool(
        'echo',
        {
          title: 'Echo',
          description: 'Returns its text.',
          inputSchema: { text: z.string() },
          outputSchema: { text: z.string() },
        },
        async ({ text }) => ({ content: [{ type: 'text', text }], structuredContent: { text } }),
      );
      server.registerTool(
        'whoami',
        { title: 'Who am I', description: 'Which server instance answers.', outputSchema: { instance: z.number() } },
        async () => ({ content: [{ type: 'text', text: String(instance) }], structuredContent: { instance } }),
      );
      return server;
    },
  };
}

/** A logger that keeps its JSON lines in memory (level debug), for asserting what was logged. */
export function memoryLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

export const silentLogger: Logger = pino({ level: 'silent' });

/**
 * Node 20 has no global WebSocket; the SDK's WebSocketClientTransport needs
 * one. The `ws` client implements the same browser API.
 */
export function ensureGlobalWebSocket(): void {
  if (typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'undefined') {
    (globalThis as { WebSocket?: unknown }).WebSocket = NodeWebSocket;
  }
}
