import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/rng.js';
import { ValidationEngine } from '../../../src/engines/validation/engine.js';
import { resolveRules } from '../../../src/engines/validation/rules.js';
import { acf } from '../../../src/engines/validation/stats/acf.js';
import { moments, quantileOfSorted } from '../../../src/engines/validation/stats/basic.js';
import { P2Quantile } from '../../../src/engines/validation/streaming/p2.js';
import { RunningAcf } from '../../../src/engines/validation/streaming/running-acf.js';
import {
  StreamValidator,
  type StreamBatch,
  type StreamEvent,
  type StreamPoint,
} from '../../../src/engines/validation/streaming/stream.js';
import { RunningMoments } from '../../../src/engines/validation/streaming/welford.js';

function normals(n: number, seed: string): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: n }, () => rng.normal());
}

async function collect(gen: AsyncGenerator<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of gen) out.push(e);
  return out;
}

describe('running statistics', () => {
  it('Welford moments equal the batch moments', () => {
    const x = Float64Array.from(normals(10_000, 'welford'), (v) => 1000 + v * v * 3); // offset, skewed
    const r = new RunningMoments();
    for (const v of x) r.push(v);
    const b = moments(x);
    expect(r.mean).toBeCloseTo(b.mean, 9);
    expect(r.std).toBeCloseTo(b.std, 9);
    expect(r.skewness!).toBeCloseTo(b.skewness!, 9);
    expect(r.kurtosis!).toBeCloseTo(b.kurtosis!, 8);
  });

  it('P² tracks quantiles of a large sample and is exact for five values', () => {
    const x = normals(200_000, 'p2');
    const sorted = Float64Array.from(x).sort();
    for (const p of [0.01, 0.25, 0.5, 0.9, 0.99]) {
      const q = new P2Quantile(p);
      for (const v of x) q.push(v);
      expect(Math.abs(q.value - quantileOfSorted(sorted, p))).toBeLessThan(0.02);
    }
    const small = new P2Quantile(0.5);
    for (const v of [5, 1, 4, 2, 3]) small.push(v);
    expect(small.value).toBe(3);
  });

  it('running ACF equals the batch ACF at every lag', () => {
    const e = normals(50_000, 'racf');
    const x = new Float64Array(e.length);
    for (let i = 1; i < x.length; i++) x[i] = 50 + 0.8 * (x[i - 1]! - 50) + e[i]!;
    x[0] = 50;
    const r = new RunningAcf(6);
    for (const v of x) r.push(v);
    const batch = acf(x, 6)!;
    const running = r.values()!;
    for (let k = 1; k <= 6; k++) expect(running[k]).toBeCloseTo(batch[k]!, 9);
  });
});

describe('stream validation', () => {
  const rules = () =>
    resolveRules({
      stream: { emitEvery: 1000, warmup: 50, maxAlertsPerKind: 5, ranges: { temp: { min: -40, max: 85 } } },
    });

  function* points(): Generator<StreamPoint> {
    const rng = createRng('stream-points');
    let t = Date.UTC(2025, 0, 1);
    for (let i = 0; i < 3000; i++) {
      t += i === 500 ? 10 * 60_000 : 60_000; // one gap of 10 intervals
      if (i === 800) t -= 60_000; // a duplicate timestamp
      if (i === 1200) t -= 5 * 60_000; // time goes back
      let v: number | null = 20 + rng.normal();
      if (i === 1500) v = 120; // out of range and an outlier
      if (i === 2000) v = null;
      if (i >= 2500 && i < 2520) v = 21; // flat line of 20
      yield { timestamp: t, values: { temp: v } };
    }
  }

  it('raises alerts as rows arrive and sums them up in a final report', async () => {
    const events = await collect(new StreamValidator(rules()).run(points()));
    const alerts = events.filter((e) => e.type === 'alert').map((e) => (e.type === 'alert' ? e.alert : null)!);
    const kinds = new Set(alerts.map((a) => a.kind));
    for (const k of ['gap', 'duplicate_timestamp', 'non_monotonic', 'out_of_range', 'outlier', 'flat_line'])
      expect(kinds).toContain(k);
    const gap = alerts.find((a) => a.kind === 'gap')!;
    expect(gap.row).toBe(500);
    expect(alerts.find((a) => a.kind === 'out_of_range')!.value).toBe(120);
    expect(events.filter((e) => e.type === 'summary')).toHaveLength(3);
    const final = events.at(-1)!;
    expect(final.type).toBe('final');
    if (final.type !== 'final') return;
    expect(final.snapshot.rows).toBe(3000);
    expect(final.snapshot.columns.temp!.missing).toBe(1);
    expect(final.snapshot.columns.temp!.mean).toBeCloseTo(20, 0);
    const check = (name: string) => final.report.checks.find((c) => c.name === name)!;
    expect(check('duplicate_timestamps').passed).toBe(false);
    expect(check('non_monotonic_timestamps').passed).toBe(false);
    expect(check('out_of_range_rate').value).toBeCloseTo(1 / 2999, 9);
    expect(check('gap_rate').value).toBeGreaterThan(0);
    expect(final.report.score).not.toBeNull();
  });

  it('stops yielding an alert kind after the cap but keeps counting', async () => {
    const batch: StreamBatch = {
      timestamps: Float64Array.from({ length: 100 }, (_, i) => i * 1000),
      columns: [{ name: 'x', values: new Float64Array(100).fill(1000), range: { min: 0, max: 10 } }],
    };
    const events = await collect(new StreamValidator(rules()).run([batch]));
    expect(events.filter((e) => e.type === 'alert' && e.alert.kind === 'out_of_range')).toHaveLength(5);
    const final = events.at(-1)!;
    expect(final.type === 'final' && final.snapshot.alerts.out_of_range).toBe(100);
  });

  it('keeps its state the same size however long the stream', async () => {
    const sizes: number[] = [];
    for (const rows of [10_000, 1_000_000]) {
      const v = new StreamValidator(resolveRules({ stream: { emitEvery: 1e9 } }));
      async function* batches(): AsyncGenerator<StreamBatch> {
        const rng = createRng('bounded');
        const size = 10_000;
        for (let start = 0; start < rows; start += size) {
          const ts = Float64Array.from({ length: size }, (_, i) => (start + i) * 1000);
          const a = Float64Array.from({ length: size }, () => rng.normal());
          const b = Float64Array.from({ length: size }, () => 10 + rng.normal());
          yield {
            timestamps: ts,
            columns: [
              { name: 'a', values: a },
              { name: 'b', values: b },
            ],
          };
        }
      }
      let final: StreamEvent | undefined;
      for await (const e of v.run(batches())) final = e;
      expect(final?.type === 'final' && final.snapshot.rows).toBe(rows);
      sizes.push(v.stateSize);
    }
    expect(sizes[1]).toBe(sizes[0]);
    expect(sizes[0]).toBeLessThan(1000);
  });

  it('rejects malformed rows with a clear message', async () => {
    const engine = new ValidationEngine();
    await expect(collect(engine.validateStream([{ time: 1 } as unknown as StreamPoint]))).rejects.toThrow(
      /expected \{timestamp/,
    );
    const bad: StreamBatch = { timestamps: [1, 2], columns: [{ name: 'x', values: [1] }] };
    await expect(collect(engine.validateStream([bad]))).rejects.toThrow(/has 1 values but there are 2 timestamps/);
  });
});
