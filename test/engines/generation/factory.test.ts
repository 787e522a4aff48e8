import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TsiotError } from '../../../src/core/errors.js';
import { createRng } from '../../../src/core/rng.js';
import { GeneratorFactory } from '../../../src/engines/generation/factory.js';
import {
  builtinGenerators,
  createBuiltinFactory,
  registerBuiltinGenerators,
} from '../../../src/engines/generation/builtin.js';
import type { GeneratorDefinition } from '../../../src/engines/generation/generator.js';
import { generatorGuide, generatorNames } from '../../../src/engines/generation/guide.js';
import { prepareTrainingData } from '../../../src/engines/models/training-data.js';

const pluginPath = fileURLToPath(new URL('../../fixtures/plugin-generator.mjs', import.meta.url));
const learnerPluginPath = fileURLToPath(new URL('../../fixtures/plugin-learner.mjs', import.meta.url));

function constant(name: string, config: Record<string, unknown>[] = []): GeneratorDefinition<{ n: number }> {
  const paramsSchema = z.object({ n: z.number().int().default(3) });
  return {
    name,
    title: 'constant',
    description: 'constant values',
    capabilities: { multivariate: false, fleets: false, anomalyLabels: false },
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

  it('fills capabilities from what a definition provides and refuses claims it cannot back', () => {
    const f = new GeneratorFactory();
    f.register(constant('const'));
    expect(f.describe('const').capabilities).toEqual({
      generate: true,
      fit: false,
      sample: false,
      forecast: false,
      attributes: false,
      multivariate: false,
      fleets: false,
      anomalyLabels: false,
    });
    expect(f.describe('const').fitOptionsSchema).toBeNull();
    const claims = { ...constant('claims'), capabilities: { fit: true, forecast: true } };
    expect(() => f.register(claims)).toThrow(
      /capabilities\.fit is true but there is no learner; capabilities\.forecast is true but there is no learner/,
    );
    const badExample = { ...constant('bad'), example: { n: 'three' } };
    expect(() => f.register(badExample as never)).toThrow(/example does not pass paramsSchema/);
    expect(() => f.register({ name: 'empty', title: 'Empty', description: '', capabilities: {} })).toThrow(
      /give create\(config\) with paramsSchema .*, a learner .*, or both/,
    );
    expect(f.has('claims') || f.has('bad') || f.has('empty')).toBe(false);
  });

  it('holds every built-in generator, fitted or not, with what each can do', () => {
    const f = createBuiltinFactory();
    const list = f.list();
    expect(list.map((g) => g.name)).toEqual(['arima', 'dgan', 'mixture', 'rnn', 'statistical', 'timegan']);
    const can = Object.fromEntries(list.map((g) => [g.name, g.capabilities]));
    for (const name of ['statistical', 'arima']) {
      expect(can[name]).toMatchObject({ generate: true, fit: true, sample: true, forecast: true });
      expect(f.describe(name).paramsSchema).toMatchObject({ type: 'object' });
    }
    for (const name of ['mixture', 'rnn', 'timegan', 'dgan']) {
      expect(can[name]).toMatchObject({ generate: false, fit: true, sample: true });
      expect(f.describe(name).paramsSchema).toBeNull();
    }
    expect(can.dgan!.attributes).toBe(true);
    expect(list.filter((g) => g.capabilities.attributes).map((g) => g.name)).toEqual(['dgan']);
    expect(f.describe('ydata').name).toBe('dgan');
    expect(f.fittable()).toEqual(['arima', 'dgan', 'mixture', 'rnn', 'sarima', 'statistical', 'timegan', 'ydata']);
    for (const g of list) {
      expect(g.description.length, g.name).toBeGreaterThan(100);
      const fitSchema = g.fitOptionsSchema as { properties?: Record<string, unknown> };
      expect(Object.keys(fitSchema.properties ?? {}).length, `${g.name} fit options`).toBeGreaterThan(0);
      expect(f.learner(g.name).fitOptionsSchema.safeParse(g.fitExample).success, `${g.name} fitExample`).toBe(true);
    }
    expect(f.learner('ydata')).toBe(f.learner('dgan'));
  });

  it('refuses direct generation from a learned-only generator, pointing to fit and model', () => {
    const f = createBuiltinFactory();
    try {
      f.create('timegan');
      expect.unreachable();
    } catch (e) {
      expect((e as TsiotError).code).toBe('invalid_input');
      expect((e as TsiotError).message).toContain('"timegan" generates only from a fitted model');
      expect((e as TsiotError).hint).toContain('generate_timeseries {"model"');
    }
    expect(() => f.learner('nope')).toThrow(/"nope" cannot be fitted; fittable generators are "arima", "dgan"/);
  });

  it("derives the model tools' guide from the catalogue entries", () => {
    const guide = generatorGuide(builtinGenerators());
    for (const d of builtinGenerators()) expect(guide).toContain(`"${d.name}"`);
    expect(guide).toContain('"dgan" (alias "ydata") — a fleet of entities with static attributes');
    expect(generatorNames(builtinGenerators())).toBe(
      '"mixture", "statistical", "arima", "sarima", "rnn", "timegan", "dgan", "ydata"',
    );
  });

  it('loads a learner plugin that fits and samples, under its name and alias', async () => {
    const f = createBuiltinFactory();
    expect(await f.loadPlugin(learnerPluginPath)).toEqual(['level']);
    const d = f.describe('flat');
    expect(d).toMatchObject({ name: 'level', paramsSchema: null, source: `plugin:${learnerPluginPath}` });
    expect(d.capabilities).toMatchObject({ generate: false, fit: true, sample: true, multivariate: true });
    expect(f.fittable()).toEqual(expect.arrayContaining(['level', 'flat']));
    const learner = f.learner('flat');
    const values = Float64Array.from({ length: 200 }, (_, i) => 10 + Math.sin(i));
    const data = prepareTrainingData({
      id: 'x',
      name: 'x',
      metadata: { tags: {} },
      timestamps: Float64Array.from({ length: 200 }, (_, i) => i * 1000),
      columns: [{ name: 'v', values }],
      labels: [],
    });
    const fit = await learner.fit(data, learner.fitOptionsSchema.parse({}), { rng: createRng(1) });
    const model = await learner.load(fit.state);
    const [path] = await model.sample({ length: 500, count: 1, context: 'none' }, createRng(2));
    const mean = path![0]!.reduce((a, b) => a + b, 0) / 500;
    expect(mean).toBeGreaterThan(9.8);
    expect(mean).toBeLessThan(10.2);
  });

  it("registers none of a plugin's generators when one of them cannot be registered", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsiot-plugin-'));
    try {
      const module = join(dir, 'two.mjs');
      // the second reuses the first one's alias
      writeFileSync(
        module,
        `import ramp from ${JSON.stringify(pathToFileURL(pluginPath).href)};
export const generators = [{ ...ramp, name: 'ramp2' }, { ...ramp, name: 'ramp3' }];`,
      );
      const f = new GeneratorFactory();
      await expect(f.loadPlugin(module)).rejects.toThrow(/A generator named "staircase" is already registered/);
      expect(f.list()).toEqual([]);
      const bad = join(dir, 'bad.mjs');
      writeFileSync(bad, `export default { name: 'x', title: 'X', description: 'no way to generate' };`);
      await expect(f.loadPlugin(bad)).rejects.toThrow(/Invalid generator definition from plugin:.*give create/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
