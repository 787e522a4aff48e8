import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { TsiotError } from '../../../src/core/errors.js';
import type { ModelRegistry } from '../../../src/engines/models/registry.js';
import { runTool } from '../../../src/registry/run-tool.js';
import type { AnyTool, ToolContext } from '../../../src/registry/tool.js';
import { deleteModel } from '../../../tools/delete-model.js';
import { describeModel } from '../../../tools/describe-model.js';
import { fitModel } from '../../../tools/fit-model.js';
import { generateFromModel } from '../../../tools/generate-from-model.js';
import { listModels } from '../../../tools/list-models.js';
import { synthesizeLike } from '../../../tools/synthesize-like.js';
import { makeEngines, type TestEngines } from '../../helpers/engines.js';
import { twoColumnSeries } from './helpers.js';

let engines: TestEngines & { models?: ModelRegistry };
let ctx: ToolContext;
const progress: number[] = [];

beforeAll(async () => {
  engines = await makeEngines();
  ctx = {
    engines,
    logger: engines.logger,
    signal: new AbortController().signal,
    progress: (p) => progress.push(p.done),
  };
});
afterAll(async () => {
  await engines.close();
});

/** Run a tool and check its result against its output schema, as the MCP server does. */
async function call(tool: AnyTool, input: unknown, c = ctx) {
  const r = await runTool(tool, input, c);
  const parsed = tool.outputSchema.safeParse(r.structured);
  if (!parsed.success) throw new Error(`${tool.name} output does not match its schema: ${parsed.error.message}`);
  return r;
}
const fail = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as TsiotError,
  );

/** The test series as inline JSON with ISO timestamps. */
function inline(n: number) {
  const s = twoColumnSeries(n);
  return {
    timestamps: Array.from(s.timestamps, (t) => new Date(t).toISOString()),
    values: Object.fromEntries(s.columns.map((c) => [c.name, Array.from(c.values)])),
  };
}

describe('model tools', () => {
  it('have JSON-schema-convertible input and output schemas', () => {
    for (const t of [
      fitModel,
      listModels,
      describeModel,
      generateFromModel,
      deleteModel,
      synthesizeLike,
    ] as AnyTool[]) {
      expect(() => z.toJSONSchema(t.inputSchema, { io: 'input' })).not.toThrow();
      expect(() => z.toJSONSchema(t.outputSchema)).not.toThrow();
      expect(t.inputSchema.safeParse(t.example).success).toBe(true);
    }
  });

  it('fit_model → list/describe → generate_from_model (stored, reproducible, forecast) → delete_model', async () => {
    const fit = await call(fitModel, { generator: 'arima', data: inline(600), seed: 1, options: { criterion: 'bic' } });
    const s = fit.structured as {
      id: string;
      status: string;
      model: { details: { columns: { order: { p: number } }[] } };
    };
    expect(s.status).toBe('ready');
    expect(s.model.details.columns[0]!.order.p).toBe(1);
    expect(progress.length).toBeGreaterThan(0);

    const list = await call(listModels, {});
    expect((list.structured as { models: { id: string }[] }).models.map((m) => m.id)).toContain(s.id);
    const desc = await call(describeModel, { id: s.id });
    expect(desc.summary).toContain('arima on 600 rows × 2 columns');

    const g1 = await call(generateFromModel, { id: s.id, length: 100, count: 2, seed: 4 });
    const g2 = await call(generateFromModel, { id: s.id, length: 100, count: 2, seed: 4, store: false });
    const out1 = g1.structured as { series: { id: string | null }[]; preview: { rows: unknown[][] } };
    const out2 = g2.structured as typeof out1;
    expect(out1.series.every((x) => x.id?.startsWith('ser_'))).toBe(true);
    expect(out2.series.every((x) => x.id === null)).toBe(true);
    expect(out1.preview.rows).toEqual(out2.preview.rows);
    const stored = await engines.storage.retrieve({ id: out1.series[0]!.id! });
    expect(stored.timestamps.length).toBe(100);
    expect(stored.metadata.modelId).toBe(s.id);

    const fc = await call(generateFromModel, { id: s.id, forecast: { horizon: 10 } });
    expect((fc.structured as { forecast: { mean: number[] }[] }).forecast[1]!.mean).toHaveLength(10);

    const del = await call(deleteModel, { id: s.id });
    expect((del.structured as { deleted: boolean }).deleted).toBe(true);
    expect((await fail(call(generateFromModel, { id: s.id, length: 5 }))).code).toBe('not_found');
    expect((await fail(call(describeModel, { id: s.id }))).code).toBe('not_found');
  });

  it('reads CSV text and paths with epoch-second timestamps; refuses bad data clearly and keeps nothing', async () => {
    const s = twoColumnSeries(300);
    const rows = Array.from(
      s.timestamps,
      (t, i) => `${t / 1000},${s.columns[0]!.values[i]},${i % 40 === 5 ? '' : s.columns[1]!.values[i]}`,
    );
    const csv = ['ts,temperature,humidity', ...rows].join('\n');
    const fit = await call(fitModel, { data: { csv }, seed: 2 });
    const out = fit.structured as { id: string; notes: string[] };
    expect(out.notes).toContain('timestamps read as epoch seconds');
    expect(out.notes.join(' ')).toMatch(/missing value\(s\) in "humidity" filled/);
    mkdirSync(engines.imports.dir, { recursive: true });
    writeFileSync(join(engines.imports.dir, 'd.csv'), csv);
    const fromPath = await call(fitModel, { data: { csvPath: 'd.csv' }, seed: 2 });
    expect((fromPath.structured as { status: string }).status).toBe('ready');

    const before = (await engines.models!.list()).length;
    let e = await fail(
      call(fitModel, {
        data: { csv: 'time,x\n2025-01-01T00:00:00Z,1\n2025-01-01T00:01:00Z,1\n2025-01-01T00:02:00Z,1' },
        constraints: false,
      }),
    );
    expect(e.code).toBe('invalid_input');
    expect(e.message).toContain('"x" is constant');
    e = await fail(call(fitModel, { data: { seriesId: 'ser_nope' } }));
    expect(e.code).toBe('not_found');
    e = await fail(
      call(fitModel, { data: { timestamps: ['2025-01-01T00:00:00Z', 'yesterday'], values: { x: [1, 2] } } }),
    );
    expect(e.message).toContain('data.timestamps[1]');
    e = await fail(call(fitModel, { data: { csv, seriesId: 'ser_x' } }));
    expect(e.message).toContain('exactly one of');
    e = await fail(call(fitModel, { generator: 'rnn', data: inline(100), options: { window: 200 } }));
    expect(e.message).toMatch(/too little for "rnn"/);
    e = await fail(call(fitModel, { resume: 'mdl_none' }));
    expect(e.code).toBe('not_found');
    e = await fail(call(fitModel, { resume: 'mdl_none', data: { csv } }));
    expect(e.message).toContain('not both');
    e = await fail(call(fitModel, {}));
    expect(e.message).toContain('data: required');
    expect((await engines.models!.list()).length).toBe(before);
    expect(engines.models!.fits().filter((f) => f.status === 'training')).toEqual([]);
  });

  it('a long fit returns at once with an id, shows progress in describe_model and can be cancelled by delete_model', async () => {
    const fit = await call(fitModel, {
      generator: 'rnn',
      data: inline(300),
      options: { hidden: 8, window: 12, iterations: 100_000, batchSize: 8 },
      waitSeconds: 0.5,
    });
    const s = fit.structured as { id: string; status: string };
    expect(s.status).toBe('training');
    try {
      // the fit runs in a worker thread, which first loads TensorFlow.js: wait for its first progress
      type Described = { status: string; fit: { progress?: { done: number } } };
      let st: Described | undefined;
      for (const end = Date.now() + 20_000; Date.now() < end; ) {
        st = (await call(describeModel, { id: s.id })).structured as Described;
        if ((st.fit.progress?.done ?? 0) > 0 || st.status !== 'training') break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(st!.status).toBe('training');
      expect(st!.fit.progress!.done).toBeGreaterThan(0);
    } catch (e) {
      // never leave a 100,000-iteration fit holding the worker pool for the tests after this one
      await call(deleteModel, { id: s.id }).catch(() => undefined);
      throw e;
    }
    const del = await call(deleteModel, { id: s.id });
    expect(del.structured).toMatchObject({ deleted: false, cancelled: true });
    await new Promise((r) => setTimeout(r, 200));
    expect((await call(describeModel, { id: s.id })).structured).toMatchObject({ status: 'cancelled' });
    expect((await engines.models!.list()).map((m) => m.id)).not.toContain(s.id);
  }, 30_000);

  it('synthesize_like fits, generates, validates and discards the model unless asked to keep it', async () => {
    const before = (await engines.models!.list()).length;
    const r = await call(synthesizeLike, { data: inline(500), seed: 3 });
    const out = r.structured as {
      model: string | null;
      generator: string;
      notes: string[];
      series: { id: string; rows: number }[];
      report: { score: number | null; verdict: string };
      learned: Record<string, unknown>;
    };
    expect(out.model).toBeNull();
    // No generator given: one series gets the statistical learner, and the output says so.
    expect(out.generator).toBe('statistical');
    expect(out.notes[0]).toBe('generator "statistical" chosen for one series');
    expect(out.series[0]!.rows).toBe(500);
    expect(out.report.score).not.toBeNull();
    expect(out.report.score!).toBeGreaterThan(50);
    expect((await engines.models!.list()).length).toBe(before);
    const again = await call(synthesizeLike, { data: inline(500), seed: 3, store: false, keepModel: true });
    const out2 = again.structured as typeof out;
    expect(out2.model).toMatch(/^mdl_/);
    expect(out2.report.score).toBe(out.report.score);
    const kept = await engines.models!.get(out2.model!);
    expect(kept.fidelity).toMatchObject({ score: out.report.score });
    const rnn = await call(synthesizeLike, {
      data: inline(300),
      generator: 'rnn',
      options: { hidden: 8, window: 12, iterations: 30, batchSize: 16 },
      seed: 1,
      store: false,
      length: 100,
    });
    const out3 = rnn.structured as typeof out;
    expect(out3.series[0]!.rows).toBe(100);
    expect(out3.report.score).not.toBeNull();
  }, 60_000);
});
