// Run in a separate process: open the registry on a DuckDB file and print a sample.
import { DuckDbStorage } from '../../../src/engines/storage/duckdb/index.js';
import { createBuiltinFactory } from '../../../src/engines/generation/builtin.js';
import { ModelRegistry } from '../../../src/engines/models/registry.js';

const [path, id, seed] = process.argv.slice(2);
const store = new DuckDbStorage({ path: path! });
await store.init();
const registry = new ModelRegistry(store, createBuiltinFactory());
const r = await registry.sample(id!, { length: 50, count: 2, context: 'random', seed: Number(seed) });
process.stdout.write(JSON.stringify(r.series.map((s) => s.columns.map((c) => Array.from(c.values)))));
registry.close();
await store.close();
