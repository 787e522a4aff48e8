import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TsiotError } from '../../../src/core/errors.js';
import { type Charge, epsilonNotices, PrivacyLedger } from '../../../src/engines/privacy/ledger.js';
import { DuckDbStorage } from '../../../src/engines/storage/duckdb/index.js';

const charge = (epsilon: number, extra: Partial<Charge> = {}): Charge => ({
  mechanism: 'laplace',
  epsilon,
  delta: 0,
  rho: (epsilon * epsilon) / 2,
  unit: 'event-level: one row',
  tool: 'test',
  what: 'a sum',
  ...extra,
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function store(path = ':memory:') {
  const s = new DuckDbStorage({ path });
  await s.init();
  return s;
}

describe('privacy ledger', () => {
  it('composes sequentially in exact arithmetic, so rounding cannot overspend', async () => {
    const s = await store();
    const ledger = new PrivacyLedger(s, { epsilon: 1, delta: 1e-6 });
    // fl(0.1) is slightly above 0.1: ten of them exceed 1 exactly, though a float sum gives 0.9999999999999999
    let floatSum = 0;
    for (let i = 0; i < 10; i++) floatSum += 0.1;
    expect(floatSum).toBeLessThan(1);
    for (let i = 0; i < 9; i++) await ledger.charge('ds', charge(0.1));
    const st = await ledger.status('ds');
    expect(st.spent.accounting).toBe('sequential');
    expect(st.releases).toBe(9);
    await expect(ledger.charge('ds', charge(0.1))).rejects.toMatchObject({ code: 'budget_exhausted' });
    expect((await ledger.status('ds')).releases).toBe(9);
    await ledger.charge('ds', charge(0.09));
    await s.close();
  });

  it('refuses a release over budget with what remains, and charges nothing', async () => {
    const s = await store();
    const ledger = new PrivacyLedger(s, { epsilon: 1, delta: 1e-6 });
    await ledger.charge('ds', charge(0.75));
    const e = await ledger.charge('ds', charge(0.5)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TsiotError);
    expect((e as TsiotError).code).toBe('budget_exhausted');
    expect((e as TsiotError).message).toMatch(/ε = 0.25 of ε = 1 remains/);
    expect((e as TsiotError).details?.remaining).toEqual({ epsilon: 0.25, delta: 1e-6 });
    const st = await ledger.status('ds');
    expect(st.spent.epsilon).toBe(0.75);
    expect(await ledger.history('ds')).toHaveLength(1);
    await s.close();
  });

  it('two concurrent releases that together exceed the budget: exactly one succeeds', async () => {
    const s = await store();
    const ledger = new PrivacyLedger(s, { epsilon: 1, delta: 1e-6 });
    for (let round = 0; round < 5; round++) {
      const ds = `race-${round}`;
      const results = await Promise.allSettled([ledger.charge(ds, charge(0.6)), ledger.charge(ds, charge(0.6))]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(failed.reason.code).toBe('budget_exhausted');
      expect((await ledger.status(ds)).spent.epsilon).toBeCloseTo(0.6, 12);
    }
    await s.close();
  });

  it('survives a restart: the spent budget is still spent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsiot-ledger-'));
    dirs.push(dir);
    const path = join(dir, 'meta.duckdb');
    let s = await store(path);
    await new PrivacyLedger(s, { epsilon: 2, delta: 1e-6 }).charge('ds', charge(1.5, { tool: 'dp_aggregate' }));
    await s.close();
    s = await store(path);
    const ledger = new PrivacyLedger(s, { epsilon: 2, delta: 1e-6 });
    expect((await ledger.status('ds')).spent.epsilon).toBe(1.5);
    expect((await ledger.history('ds'))[0]).toMatchObject({ tool: 'dp_aggregate', mechanism: 'laplace', epsilon: 1.5 });
    await expect(ledger.charge('ds', charge(0.6))).rejects.toMatchObject({ code: 'budget_exhausted' });
    await s.close();
  });

  it('accounts Gaussian releases by zCDP when that is tighter than adding ε', async () => {
    const s = await store();
    const ledger = new PrivacyLedger(s, { epsilon: 3, delta: 1e-5 });
    // 20 releases at ρ = 0.005 each: sequentially Σε would be 20 × 0.5 = 10; by zCDP ρ = 0.1 → ε ≈ 2.2
    for (let i = 0; i < 20; i++)
      await ledger.charge('ds', charge(0.5, { mechanism: 'gaussian', delta: 1e-7, rho: 0.005 }));
    const st = await ledger.status('ds');
    expect(st.spent.accounting).toBe('zCDP');
    expect(st.spent.epsilon).toBeLessThan(3);
    expect(st.spent.epsilon).toBeGreaterThan(1.5);
    await s.close();
  });

  it('keeps tenants apart and refuses bad dataset names and budgets', async () => {
    const s = await store();
    const ledger = new PrivacyLedger(s, { epsilon: 1, delta: 1e-6 });
    await ledger.charge('ds', charge(1), 'tenant-a');
    expect((await ledger.status('ds', 'tenant-b')).spent.epsilon).toBe(0);
    await expect(ledger.charge('bad name!', charge(0.1))).rejects.toThrow(/dataset/);
    await expect(ledger.charge('ds', charge(0))).rejects.toThrow(/epsilon/);
    await expect(ledger.setBudget('ds', { epsilon: 0.5, delta: 1e-6 }, 'tenant-a')).rejects.toMatchObject({
      code: 'conflict',
    });
    expect((await ledger.setBudget('ds', { epsilon: 4, delta: 1e-6 }, 'tenant-a')).remaining.epsilon).toBe(3);
    await s.close();
  });

  it('gives OpenDP-style notices for large ε', () => {
    expect(epsilonNotices(0.5)).toEqual([]);
    expect(epsilonNotices(2)[0]).toMatch(/^notice/);
    expect(epsilonNotices(8)[0]).toMatch(/^warning/);
  });
});
