import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Answer, Transport } from './fuzz.js';

/** A failed fetch with what undici says caused it (the socket error code and message). */
export function fetchFailure(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const message = (e as Error).message;
  return cause ? `${message} (${[cause.code, cause.message].filter(Boolean).join(': ')})` : message;
}

/** Socket closed before any response: the request may not have reached the server at all. */
function closedBeforeResponse(e: unknown): boolean {
  const code = (e as { cause?: { code?: string } }).cause?.code;
  return (
    (e as Error).name === 'TypeError' &&
    /fetch failed/.test((e as Error).message) &&
    (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE')
  );
}

/**
 * fetch that sends a request again, once, when its socket was closed before
 * any response (a kept-alive socket the server closed as the request went
 * out: a race of the two idle timers, widened when one event loop carries
 * both client and server on a loaded machine). An input that makes the
 * server drop the connection does so again and is reported with its cause;
 * every retry is counted in `retried`.
 */
export function retryingFetch(retried: string[]): typeof fetch {
  return async (input, init) => {
    try {
      return await fetch(input, init);
    } catch (e) {
      if (!closedBeforeResponse(e) || init?.signal?.aborted) throw e;
      retried.push(fetchFailure(e));
      return fetch(input, init);
    }
  };
}

/** Tool calls through an MCP client (any of its transports). */
export function mcpTransport(name: string, client: Client): Transport {
  return {
    name,
    async call(tool, args, timeoutMs) {
      try {
        const r = await client.request(
          { method: 'tools/call', params: { name: tool, arguments: args } as never },
          CallToolResultSchema,
          { timeout: timeoutMs },
        );
        const text = (r.content as { text?: string }[]).map((c) => c.text ?? '').join(' ');
        return r.isError ? { ok: false, text } : { ok: true };
      } catch (e) {
        if (e instanceof McpError && e.code === ErrorCode.RequestTimeout) return 'timeout';
        const message = (e as Error).message;
        // the HTTP layer refuses a body nested past its depth limit before MCP parses it: a documented refusal
        // that names the limit (JSON-RPC -32700 over Streamable HTTP), not a failure of the transport
        if (/-32700/.test(message) && /deeper than \d+ levels/.test(message)) return { ok: false, text: message };
        return { ok: false, protocolError: `JSON-RPC error: ${fetchFailure(e).slice(0, 300)}` } satisfies Answer;
      }
    },
    async alive() {
      const r = await client.callTool({ name: 'list_generators', arguments: {} }).catch(() => undefined);
      return r !== undefined && !r.isError;
    },
  };
}

/** Tool calls as POST /v1/tools/:name with a JSON body. */
export function restTransport(baseUrl: string, retried: string[] = []): Transport {
  const fetch = retryingFetch(retried);
  return {
    name: 'REST',
    async call(tool, args, timeoutMs) {
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), timeoutMs);
      try {
        const res = await fetch(`${baseUrl}/v1/tools/${tool}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: args === undefined ? '' : JSON.stringify(args),
          signal: ac.signal,
        });
        const body = await res.text();
        if (res.status >= 500) return { ok: false, protocolError: `HTTP ${res.status}: ${body.slice(0, 300)}` };
        return res.ok ? { ok: true } : { ok: false, text: body };
      } catch (e) {
        if (ac.signal.aborted) return 'timeout';
        return { ok: false, protocolError: `request failed: ${fetchFailure(e)}` };
      } finally {
        clearTimeout(timer);
      }
    },
    async alive() {
      const res = await fetch(`${baseUrl}/healthz`).catch(() => undefined);
      return res?.status === 200;
    },
  };
}
