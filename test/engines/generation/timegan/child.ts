// Run in a separate process: start a TimeGAN fit on a DuckDB file and print progress until killed.
import { DuckDbStorage } from '../../../../src/engines/storage/duckdb/index.js';
import { createBuiltinFactory } from '../../../../src/engines/generation/builtin.js';
import { ModelRegistry } from '../../../../src/engines/models/registry.js';
import { twoColumnSeries } from '../../models/helpers.js';

const [path, id] = process.argv.slice(2);
const store = new DuckDbStorage({ path: path! });
await store.init();
const registry = new ModelRegistry(store, createBuiltinFactory());
const options = {
  seqLen: 8,
  hidden: 4,
  layers: 1,
  batchSize: 8,
  embeddingIterations: 10,
  supervisedIterations: 10,
  jointIterations: 100_000,
  checkpointEvery: 4,
};
await registry.fit(
  { generator: 'timegan', data: twoColumnSeries(200), seed: 5, options },
  { onProgress: (p) => process.stdout.write(`${p.done}\n`) },
  id,
);
