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

/** A validation-type handler whose behaviour the test controls: fails while `failing.on`. */
export function flakyHandler(failing: { on: boolean; runs: number }): JobHandler<{ note?: string }> {
  return {
    type: 'validation',
    description: 'test handler',
    schema: z.object({ note: z.string().optional() }),
    example: {},
    async run() {
      failing.runs++;
      if (failing.on) throw new TsiotError('internal', 'the test handler always fails');
      return { ok: true };
    },
  };
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
