import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../../src/core/logger.js';
import { GeneratorFactory } from '../../../../src/engines/generation/factory.js';
import { cleanupJobHandler } from '../../../../src/engines/jobs/handlers/cleanup.js';
import { generationJobHandler } from '../../../../src/engines/jobs/handlers/generation.js';
import { JobHandlerRegistry } from '../../../../src/engines/jobs/registry.js';
import type { JobHandler } from '../../../../src/engines/jobs/types.js';
import type { Storage } from '../../../../src/engines/storage/storage.js';
import { z } from 'zod';
import { TsiotError } from '../../../../src/core/errors.js';
import { DirStorage } from './dir-storage.js';
import { windowGenerator } from './window-generator.js';

export const logger = createLogger('silent');

export function testGenerators(): GeneratorFactory {
  const g = new GeneratorFactory();
  g.register(windowGenerator);
  return g;
}

export async function tempDirStorage(): Promise<{ storage: DirStorage; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tsiot-jobs-'));
  const storage = new DirStorage(dir);
  await storage.init();
  return { storage, dir };
}

/** What a test can change while a scripted job runs (looked up by the job's `key`). */
export interface ScriptControl {
  /** Fail every attempt while true. */
  fail: boolean;
  /** Attempts that reached the handler. */
  runs: number;
}

const ScriptSchema = z
  .object({
    /** Names a ScriptControl the test holds. */
    key: z.string().optional(),
    /** Steps to run; each waits stepMs, saves a checkpoint { next } and reports progress. */
    steps: z.number().int().min(0).default(0),
    stepMs: z.number().int().min(0).default(0),
    /** Fail with `internal` right after saving the checkpoint of this step (1-based) on these attempts. */
    failAtStep: z.number().int().min(1).optional(),
    failOnAttempts: z.array(z.number().int().min(1)).default([]),
    /** Fail with a code no retry can fix (invalid_input). */
    permanent: z.boolean().default(false),
  })
  .strict();

/**
 * A validation-type handler whose behaviour the data (and the test, through
 * `controls`) decides: steps with progress and checkpoints, failures on chosen
 * attempts, permanent failures. Its result says where each attempt started.
 */
export function scriptedHandler(controls: Map<string, ScriptControl>): JobHandler<z.output<typeof ScriptSchema>> {
  return {
    type: 'validation',
    description: 'scripted test handler',
    schema: ScriptSchema,
    example: { steps: 3 },
    async run(data, ctx) {
      const control = data.key !== undefined ? controls.get(data.key) : undefined;
      if (control) {
        control.runs++;
        if (control.fail) throw new TsiotError('internal', 'the test handler always fails');
      }
      if (data.permanent) throw new TsiotError('invalid_input', 'the test handler refuses this input');
      const from = ctx.checkpoint.get<{ next: number }>()?.next ?? 0;
      for (let i = from; i < data.steps; i++) {
        await pause(data.stepMs, ctx.signal);
        await ctx.checkpoint.save({ next: i + 1 });
        ctx.progress({ done: i + 1, total: data.steps });
        if (data.failAtStep === i + 1 && data.failOnAttempts.includes(ctx.attempt))
          throw new TsiotError('internal', `the test handler fails at step ${i + 1} on attempt ${ctx.attempt}`);
      }
      return { ok: true, attempt: ctx.attempt, resumedFrom: from, steps: data.steps };
    },
  };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(new TsiotError('cancelled', 'stopped'));
      return;
    }
    const onAbort = () => {
      clearTimeout(t);
      reject(new TsiotError('cancelled', 'stopped'));
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A training-type handler that waits `ms` (honouring the signal unless `ignoreSignal`). */
export function sleeper(): JobHandler<{ ms: number; ignoreSignal?: boolean }> {
  return {
    type: 'training',
    description: 'test sleeper',
    schema: z.object({ ms: z.number(), ignoreSignal: z.boolean().optional() }),
    example: { ms: 10 },
    async run(data, ctx) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, data.ms);
        if (!data.ignoreSignal)
          ctx.signal.addEventListener(
            'abort',
            () => {
              clearTimeout(t);
              reject(new TsiotError('cancelled', 'stopped'));
            },
            { once: true },
          );
      });
      return { slept: data.ms };
    },
  };
}

export function registryWith(storage: Storage, extra: JobHandler<any>[] = []): JobHandlerRegistry {
  const generators = testGenerators();
  const r = new JobHandlerRegistry()
    .register(generationJobHandler({ generators, storage }))
    .register(cleanupJobHandler({ storage }));
  for (const h of extra) r.register(h);
  return r;
}
