// A job worker process for the multi-process tests: serves the generation
// queue from Redis, writing into a directory storage shared with the test.
// argv: <redisUrl> <storageDir> <key prefix>
import { createLogger } from '../../../../src/core/logger.js';
import { GeneratorFactory } from '../../../../src/engines/generation/factory.js';
import { startBullWorkers } from '../../../../src/engines/jobs/bull/worker.js';
import { generationJobHandler } from '../../../../src/engines/jobs/handlers/generation.js';
import { JobHandlerRegistry } from '../../../../src/engines/jobs/registry.js';
import { DirStorage } from './dir-storage.js';
import { windowGenerator } from './window-generator.js';

const [redisUrl, dir, prefix] = process.argv.slice(2) as [string, string, string];
const generators = new GeneratorFactory();
generators.register(windowGenerator);
const storage = new DirStorage(dir);
await storage.init();
const registry = new JobHandlerRegistry().register(generationJobHandler({ generators, storage }));
const workers = await startBullWorkers({
  redisUrl,
  registry,
  logger: createLogger('silent'),
  concurrency: 1,
  lockDurationMs: 2000,
  stalledIntervalMs: 500,
  prefix,
});
process.stdout.write('ready\n');
process.on('SIGTERM', () => void workers.close().then(() => process.exit(0)));
