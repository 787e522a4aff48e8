// Run in a separate process (with a TZ of the test's choosing): read a CSV fixture and print what was read.
import { readCsv } from '../../../../src/engines/ingest/csv/index.js';

const [path, options] = process.argv.slice(2);
const t = await readCsv({ path: path! }, options ? JSON.parse(options) : {});
process.stdout.write(
  JSON.stringify({
    offsetMinutes: new Date(Date.UTC(2024, 0, 1)).getTimezoneOffset(),
    timestamps: Array.from(t.series.timestamps),
    columns: t.series.columns.map((c) => [c.name, Array.from(c.values)]),
  }),
);
