import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../../src/core/rng.js';
import { ByteChunks } from '../../../src/engines/export/bytes.js';
import { writePositiveDouble } from '../../../src/engines/export/double-text.js';

/*
 * The byte formatter of doubles against String(v), byte for byte, on millions
 * of doubles: every bit pattern (subnormals, NaN, ±Infinity included), the
 * fixed-notation range log-uniformly, values shaped like sensor readings,
 * short decimals, integers past 2^31, and the neighbours of powers of two and
 * ten, of the 1e21 and 1e-7 notation boundaries and of 2^53.
 */

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

function anyDouble(r: Rng): number {
  words[0] = r.nextUint32();
  words[1] = r.nextUint32();
  return bits[0]!;
}

/** The doubles next to v (one ulp apart), v itself, and their negatives. */
function neighbours(v: number): number[] {
  bits[0] = v;
  const lo = words[0]!;
  const out: number[] = [];
  for (const step of [-2, -1, 0, 1, 2]) {
    words[0] = lo + step;
    out.push(bits[0]!, -bits[0]!);
    bits[0] = v;
  }
  return out;
}

function edgeCases(): number[] {
  const out = [0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  out.push(Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, 2.2250738585072014e-308, 2.225073858507201e-308);
  for (let e = -1074; e <= 1023; e++) out.push(...neighbours(2 ** e));
  for (let e = -323; e <= 308; e++) {
    const p = Number(`1e${e}`);
    out.push(...neighbours(p), ...neighbours(p * 5), ...neighbours(p * 1.5), ...neighbours(p * 9.999999999999998));
  }
  out.push(...neighbours(1e21), ...neighbours(999999999999999900000), ...neighbours(1e-7), ...neighbours(1e-6));
  out.push(...neighbours(2 ** 53), ...neighbours(2 ** 53 + 2), ...neighbours(1e16), ...neighbours(1e17));
  out.push(0.1 + 0.2, 1 / 3, 2 / 3, 5e-324, 123456789012345680000, 0.000001, 0.0000015);
  return out;
}

function check(values: Iterable<number>): number {
  const out = new ByteChunks(1 << 22);
  let expected = '';
  let checked = 0;
  const flush = () => {
    expect(out.take()?.toString('latin1') ?? '').toBe(expected);
    expected = '';
  };
  for (const v of values) {
    out.number(v);
    out.byte(10);
    expected += `${String(v)}\n`;
    if (++checked % 100_000 === 0) flush();
  }
  flush();
  return checked;
}

function* random(seed: number, n: number, draw: (r: Rng) => number): Generator<number> {
  const r = createRng(seed);
  for (let i = 0; i < n; i++) {
    const v = draw(r);
    yield v;
    yield -v;
  }
}

describe('double text', () => {
  it('is String(v) at the edges: subnormals, -0, powers of two and ten, notation boundaries', () => {
    expect(check(edgeCases())).toBeGreaterThan(30_000);
  });

  it('is String(v) on millions of random doubles', () => {
    let n = 0;
    n += check(random(1, 300_000, anyDouble));
    n += check(random(2, 400_000, (r) => 10 ** (r.nextDouble() * 30 - 8)));
    n += check(random(3, 400_000, (r) => r.nextDouble() * 1000));
    n += check(random(4, 200_000, (r) => Math.round(r.nextDouble() * 1e7) / 10 ** r.int(0, 10)));
    n += check(random(5, 200_000, (r) => Math.floor(r.nextDouble() * 2 ** r.int(31, 70))));
    n += check(random(6, 200_000, (r) => (1 + r.int(0, 1024)) * 2 ** r.int(-60, 60)));
    expect(n).toBe(3_400_000);
  });

  it('decides sensor-like values itself, and leaves nothing written when it cannot decide', () => {
    const r = createRng(7);
    const buf = new Uint8Array(32);
    let decided = 0;
    for (let i = 0; i < 100_000; i++) if (writePositiveDouble(buf, 0, 1 + r.nextDouble() * 5000) >= 0) decided++;
    expect(decided).toBeGreaterThan(99_900);
    // out of its range (String(v) writes exponents there, or 10^K would not be exact)
    buf.fill(0);
    for (const v of [1e-7, 1e17, 1e21, Number.MAX_VALUE, Number.MIN_VALUE, Number.POSITIVE_INFINITY]) {
      expect(writePositiveDouble(buf, 0, v), String(v)).toBe(-1);
    }
    expect(buf.every((b) => b === 0)).toBe(true);
  });
});
