import { z } from 'zod';
import { TsiotError } from '../../src/core/errors.js';
import type { HealthStatus } from '../../src/core/types.js';
import type { Engines } from '../../src/engines/engines.js';
import { createMetrics } from '../../src/engines/telemetry/metrics.js';
import { defineTool, type AnyTool } from '../../src/registry/tool.js';

/**
 * The parts of Engines the HTTP layer itself touches are storage.health()
 * (for /readyz) and the metrics every request and tool call records; fixture
 * tools below use nothing else. `health` decides what readiness sees.
 */
export function engineStub(health: () => Promise<HealthStatus>): Engines {
  return { storage: { kind: 'stub', health }, metrics: createMetrics({ defaultMetrics: false }) } as unknown as Engines;
}

export const healthy = async (): Promise<HealthStatus> => ({ backend: 'stub', ok: true, latencyMs: 1 });

const addNumbers = defineTool({
  name: 'add_numbers',
  title: 'Add two numbers',
  description: 'Adds a and b.',
  inputSchema: z.object({ a: z.number().describe('First addend.'), b: z.number().describe('Second addend.') }),
  outputSchema: z.object({ sum: z.number() }),
  example: { a: 1, b: 2 },
  annotations: { readOnlyHint: true },
  async handler({ a, b }) {
    return { structured: { sum: a + b }, summary: `${a} + ${b} = ${a + b}` };
  },
});

/** Echoes its parsed input, so tests see exactly how the REST layer coerced it. */
const getThing = defineTool({
  name: 'get_thing',
  title: 'Read a thing',
  description: 'Echoes the parsed input.',
  inputSchema: z.object({
    id: z.string().describe('Thing id.'),
    limit: z.number().int().min(1).max(100).default(10).describe('Most rows.'),
    verbose: z.boolean().optional(),
    columns: z.array(z.string()).optional().describe('Columns to read.'),
    ratios: z.array(z.number()).optional(),
    tags: z.record(z.string(), z.string()).optional().describe('Tags as a JSON object.'),
    at: z.union([z.number(), z.string()]).optional(),
  }),
  outputSchema: z.object({ input: z.record(z.string(), z.unknown()) }),
  routes: [
    { method: 'GET', path: '/v1/things/:id' },
    { method: 'DELETE', path: '/v1/things/:id' },
  ],
  async handler(input) {
    return { structured: { input }, summary: `thing ${input.id}` };
  },
});

const renameThing = defineTool({
  name: 'rename_thing',
  title: 'Rename a thing',
  description: 'Echoes id and name.',
  inputSchema: z.object({ id: z.string(), name: z.string().min(1).describe('New name.') }),
  outputSchema: z.object({ id: z.string(), name: z.string() }),
  routes: [{ method: 'POST', path: '/v1/things/:id/rename' }],
  async handler({ id, name }) {
    return { structured: { id, name }, summary: `renamed ${id}` };
  },
});

const findMissing = defineTool({
  name: 'find_missing',
  title: 'Always not found',
  description: 'Throws a domain error.',
  inputSchema: z.object({}),
  outputSchema: z.object({}),
  async handler() {
    throw new TsiotError('not_found', 'series "ser_x" does not exist', {
      details: { id: 'ser_x' },
      hint: 'list_series shows stored ids',
    });
  },
});

const explode = defineTool({
  name: 'explode',
  title: 'Has a bug',
  description: 'Throws an ordinary error (a bug).',
  inputSchema: z.object({}),
  outputSchema: z.object({}),
  async handler() {
    throw new Error('db password hunter2 at /srv/secret/path');
  },
});

export const fixtureTools: AnyTool[] = [addNumbers, getThing, renameThing, findMissing, explode];
