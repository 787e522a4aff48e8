/** The in-process event bus, its log in the embedded DuckDB documents: the shared event-bus contract. */
import { InProcessEventBus } from '../../../src/engines/events/memory-bus.js';
import type { EventBus } from '../../../src/engines/events/types.js';
import { DuckDbStorage } from '../../../src/engines/storage/duckdb/index.js';
import { describeEventBusContract } from './contract.js';

describeEventBusContract('in-process (embedded DuckDB log)', async () => {
  const db = new DuckDbStorage({ path: ':memory:' });
  await db.init();
  const opened: EventBus[] = [];
  const open = () => {
    const bus = new InProcessEventBus(db);
    opened.push(bus);
    return bus;
  };
  return {
    bus: open(),
    reopen: async () => open(),
    async close() {
      for (const b of opened) await b.close();
      await db.close();
    },
  };
});
