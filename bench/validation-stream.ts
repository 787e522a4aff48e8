/**
 * Streaming validation in bounded memory.
 *
 *   node --expose-gc --import tsx bench/validation-stream.ts [--points 10000000] [--columns 2] [--batch 10000]
 *
 * Streams `points` values (rows × columns: a daily cycle, AR(1) noise, a few
 * gaps and out-of-range spikes) in columnar batches through
 * ValidationEngine.validateStream and reports the throughput, the validator's
 * state size (numbers held) at 1% and at 100% of the stream, and the heap in
 * use at those two moments (after a forced GC when --expose-gc is given).
 * Bounded memory means the state size is the same at both moments and the
 * heap does not grow with the stream.
 */
import { createRng } from '../src/core/rng.js';
import { ValidationEngine, type StreamBatch, type StreamEvent } from '../src/engines/validation/index.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const POINTS = Number(args.get('points') ?? 10_000_000);
const COLUMNS = Number(args.get('columns') ?? 2);
const BATCH = Number(args.get('batch') ?? 10_000);
const ROWS = Math.ceil(POINTS / COLUMNS);

const gc = (globalThis as { gc?: () => void }).gc;

function heapMb(): number {
  gc?.();
  return process.memoryUsage().heapUsed / 1e6;
}

async function* source(): AsyncGenerator<StreamBatch> {
  const rng = createRng('stream-bench');
  const ar = new Float64Array(COLUMNS);
  let t = Date.UTC(2025, 0, 1);
  for (let start = 0; start < ROWS; start += BATCH) {
    const n = Math.min(BATCH, ROWS - start);
    const timestamps = new Float64Array(n);
    const columns = Array.from({ length: COLUMNS }, (_, c) => ({
      name: `sensor_${c}`,
      values: new Float64Array(n),
      range: { min: -50, max: 150 },
    }));
    for (let i = 0; i < n; i++) {
      const row = start + i;
      t += row % 100_000 === 99_999 ? 600_000 : 60_000; // a 10-interval gap every 100k rows
      timestamps[i] = t;
      for (let c = 0; c < COLUMNS; c++) {
        ar[c] = 0.8 * ar[c]! + rng.normal();
        let v = 20 + 5 * Math.sin((2 * Math.PI * row) / 1440) + ar[c]!;
        if (row % 250_000 === 1234) v += 200; // spike, out of range
        columns[c]!.values[i] = v;
      }
    }
    yield { timestamps, columns };
  }
}

async function main(): Promise<void> {
  const engine = new ValidationEngine();
  const probeAt = Math.max(1, Math.floor(ROWS / 100));
  let early: { rows: number; state: number; heap: number } | undefined;
  let final: Extract<StreamEvent, { type: 'final' }> | undefined;
  let alerts = 0;
  let summaries = 0;
  const heapStart = heapMb();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for await (const e of engine.validateStream(source(), { stream: { emitEvery: probeAt, maxAlertsPerKind: 20 } })) {
    if (e.type === 'alert') alerts++;
    else if (e.type === 'summary') {
      summaries++;
      if (!early) early = { rows: e.snapshot.rows, state: e.snapshot.stateSize, heap: heapMb() };
    } else final = e;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const heapEnd = heapMb();
  if (!final || !early) throw new Error('the stream produced no final event');
  const s = final.snapshot;
  const rows = [
    [
      'points (rows × columns)',
      `${(s.rows * COLUMNS).toLocaleString('en-US')} (${s.rows.toLocaleString('en-US')} × ${COLUMNS})`,
    ],
    [
      'throughput',
      `${((s.rows * COLUMNS) / seconds / 1e6).toFixed(2)} M points/s wall (${seconds.toFixed(1)} s), ${((s.rows * COLUMNS) / cpuSeconds / 1e6).toFixed(2)} M points per CPU-second (${cpuSeconds.toFixed(1)} s; includes generating the stream)`,
    ],
    ['state size at 1% / 100%', `${early.state} / ${s.stateSize} numbers`],
    [
      'heap in use: start / at 1% / at 100%',
      `${heapStart.toFixed(1)} / ${early.heap.toFixed(1)} / ${heapEnd.toFixed(1)} MB${gc ? '' : ' (no --expose-gc: includes garbage)'}`,
    ],
    [
      'events',
      `${alerts} alerts yielded (${Object.entries(s.alerts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')} counted), ${summaries} snapshots`,
    ],
    [
      'final report',
      `score ${final.report.score} (${final.report.verdict}); gaps ${s.timestamps.gaps}; ${
        final.report.checks
          .filter((c) => c.passed === false)
          .map((c) => `${c.name}${c.column ? `(${c.column})` : ''}`)
          .join(', ') || 'no failed checks'
      }`,
    ],
  ];
  process.stdout.write(
    `# Streaming validation\n\n| measure | value |\n|---|---|\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n')}\n\nBounded memory: the state holds ${s.stateSize === early.state ? 'the same number of values' : 'a DIFFERENT number of values'} after ${early.rows.toLocaleString('en-US')} and ${s.rows.toLocaleString('en-US')} rows.\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`streaming benchmark failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
