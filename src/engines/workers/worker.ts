/** Entry of a pool worker: runs one task per message and answers with its output or error. */
import { parentPort } from 'node:worker_threads';
import { errorToWire } from '../../core/module-worker.js';
import { TASKS, type TaskName } from './tasks.js';

const port = parentPort!;

port.on('message', async (m: { id: number; name: TaskName; input: never }) => {
  try {
    const run = TASKS[m.name] as (
      input: unknown,
      progress: (p: unknown) => void,
      emit: (event: unknown) => void,
    ) => Promise<unknown>;
    const output = await run(
      m.input,
      (progress) => port.postMessage({ kind: 'progress', id: m.id, progress }),
      (event) => port.postMessage({ kind: 'event', id: m.id, event }),
    );
    port.postMessage({ kind: 'done', id: m.id, output });
  } catch (e) {
    port.postMessage({
      kind: 'failed',
      id: m.id,
      error: errorToWire(e),
    });
  }
});
