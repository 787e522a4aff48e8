import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../src/core/semaphore.js';

describe('Semaphore', () => {
  it('runs at most `limit` at once, queues up to `maxWaiting`, refuses the rest as retryable', async () => {
    const s = new Semaphore(2, 3, 'reads');
    let running = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const task = () =>
      s.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((res) => gates.push(res));
        running--;
        return 'done';
      });
    const accepted = Array.from({ length: 5 }, task);
    await expect(task()).rejects.toMatchObject({ code: 'rate_limited' });
    expect(s.running).toBe(2);
    expect(s.queued).toBe(3);
    while (gates.length || s.running) {
      gates.shift()?.();
      await new Promise((res) => setTimeout(res, 1));
    }
    expect(await Promise.all(accepted)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(peak).toBe(2);
  });

  it('lets a waiter leave when its signal aborts', async () => {
    const s = new Semaphore(1, 5, 'reads');
    let release!: () => void;
    const holder = s.run(() => new Promise<void>((res) => (release = res)));
    const ac = new AbortController();
    const waiter = s.run(async () => 'ran', ac.signal);
    ac.abort();
    await expect(waiter).rejects.toMatchObject({ code: 'cancelled' });
    expect(s.queued).toBe(0);
    release();
    await holder;
    expect(s.running).toBe(0);
  });
});
