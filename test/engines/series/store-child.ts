// Run in a separate process so the test can kill it with SIGKILL part-way: store one fleet through
// SeriesStore and report on stdout when storing begins and when it has returned. A storage that is
// also a document store keeps the event log (series.created), as the engines set it up.
import type { TimeSeries } from '../../../src/core/types.js';
import { InProcessEventBus } from '../../../src/engines/events/index.js';
import { SeriesStore } from '../../../src/engines/series/store.js';
import { createStorage } from '../../../src/engines/storage/index.js';
import type { DocumentStore } from '../../../src/engines/storage/storage.js';

const [url, devicesArg, rowsArg, tag] = process.argv.slice(2);
const devices = Number(devicesArg);
const rows = Number(rowsArg);
const storage = await createStorage(url!);
await storage.init();
const fleet: TimeSeries[] = [];
for (let d = 0; d < devices; d++) {
  const timestamps = new Float64Array(rows);
  const v = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    timestamps[i] = 1_700_000_000_000 + i * 60_000;
    v[i] = d + Math.sin(i / 50);
  }
  fleet.push({
    id: `dev-${d}`,
    name: `fleet/dev-${d}`,
    metadata: { tags: { run: tag! } },
    timestamps,
    columns: [{ name: 'v', values: v }],
    labels: [],
  });
}
const began = Date.now();
process.stdout.write('storing\n');
const events = storage.putDocument ? new InProcessEventBus(storage as DocumentStore) : undefined;
await new SeriesStore(storage, events).store(fleet);
process.stdout.write(`stored ${Date.now() - began}\n`);
await storage.close();
