import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TsiotError } from '../../../src/core/errors.js';
import { createRng } from '../../../src/core/rng.js';
import { GeneratorFactory } from '../../../src/engines/generation/factory.js';
import { registerBuiltinGenerators } from '../../../src/engines/generation/builtin.js';
import type { GeneratorDefinition } from '../../../src/engines/generation/generator.js';

const pluginPath = fileURLToPath(new URL('../../fixtures/plugin-generator.mjs', import.meta.url));

function constant(name: string, config: Record<string, unknown>[] = []): GeneratorDefinition<{ n: number }> {
  const paramsSchema = z.object({ n: z.number().int().default(3) });
  return {
    name,
    title: 'constant',
    description: 'constant values',
    capabilities: { fit: false, multivariate: false, fleets: false, anomalyLabels: false },
    paramsSchema,
    example: { n: 3 },
    create(cfg = {}) {
      config.push(cfg);
      return {
        name,
        paramsSchema,
        estimatePoints: (p) => p.n,
        async generate(p) {
          return {
            series: [
              {
                id: 'c',
                name: 'c',
                metadata: { tags: {} },
                timestamps: new Float64Array(p.n),
                columns: [{ name: 'v', values: new Float64Array(p.n).fill(Number(cfg.value ?? 1)) }],
                labels: [],
              },
            ],
          };
        },
      };
    },
  };
}

describe('GeneratorFactory', () => {
  it('registers, lists, describes (with JSON Schema) and creates generators', () => {
    const f = new GeneratorFactory();
    f.register(constant('const'));
    expect(f.list().map((g) => g.name)).toEqual(['const']);
    const d = f.describe('const');
    expect(d.paramsSchema).toMatchObject({ type: 'object', properties: { n: { type: 'integer' } } });
    expect(d.source).toBe('built-in');
    expect(f.create('const').name).toBe('const');
  });

  it('passes configuration to created generators, per generator and per call', async () => {
    const seen: Record<string, unknown>[] = [];
    const f = new GeneratorFactory({ const: { value: 7 } });
    f.register(constant('const', seen));
    const g = f.create('const');
    const out = await g.generate({ n: 2 }, { rng: createRng(1) });
    expect(Array.from(out.series[0]!.columns[0]!.values)).toEqual([7, 7]);
    f.create('const', { value: 9 });
    expect(seen).toEqual([{ value: 7 }, { value: 9 }]);
  });

  it('refuses duplicate names and unknown generators with clear errors', () => {
    const f = new GeneratorFactory();
    f.register(constant('const'));
    expect(() => f.register(constant('const'))).toThrow(/already registered/);
    try {
      f.create('nope');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TsiotError);
      expect((e as TsiotError).code).toBe('not_found');
      expect((e as TsiotError).hint).toContain('const');
    }
  });

  it('rejects malformed definitions naming the problem', () => {
    const f = new GeneratorFactory();
    expect(() => f.register({ name: 'Bad Name', create: 1 } as never)).toThrow(/name must match.*create/);
  });

  it('loads a generator plugin from a module path at run time, with its alias', async () => {
    const f = new GeneratorFactory();
    registerBuiltinGenerators(f);
    const names = await f.loadPlugin(pluginPath);
    expect(names).toEqual(['ramp']);
    expect(f.describe('staircase').source).toBe(`plugin:${pluginPath}`);
    const out = await f.create('ramp').generate({ points: 4, step: 2 }, { rng: createRng(5) });
    const v = out.series[0]!.columns[0]!.values;
    expect(v.length).toBe(4);
    expect(Math.round(v[3]!)).toBe(6);
  });

  it('reports a missing plugin module clearly', async () => {
    const f = new GeneratorFactory();
    await expect(f.loadPlugin('./no/such/plugin.mjs')).rejects.toThrow(
      /Could not load generator plugin "\.\/no\/such\/plugin\.mjs"/,
    );
  });
});
