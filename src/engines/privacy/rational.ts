/**
 * Exact rationals for the samplers. Every finite double is a dyadic rational
 * m·2^e, so a parameter given as a double (ε, a scale, a variance) is turned
 * into numerator and denominator without rounding, and the samplers' coin
 * flips have exactly the probabilities the proofs assume.
 */

export interface Rational {
  num: bigint;
  den: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y) [x, y] = [y, x % y];
  return x;
}

export function reduce(r: Rational): Rational {
  const g = gcd(r.num, r.den) || 1n;
  const s = r.den < 0n ? -1n : 1n;
  return { num: (s * r.num) / g, den: (s * r.den) / g };
}

/** The exact value of a finite double as a reduced fraction. */
export function fromDouble(x: number): Rational {
  if (!Number.isFinite(x)) throw new RangeError(`fromDouble: ${x} is not finite`);
  if (x === 0) return { num: 0n, den: 1n };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const sign = hi >>> 31 ? -1n : 1n;
  const exp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (exp === 0) e = -1074;
  else {
    mant |= 1n << 52n;
    e = exp - 1075;
  }
  const r = e >= 0 ? { num: sign * mant * (1n << BigInt(e)), den: 1n } : { num: sign * mant, den: 1n << BigInt(-e) };
  return reduce(r);
}

export const mul = (a: Rational, b: Rational): Rational => reduce({ num: a.num * b.num, den: a.den * b.den });
export const div = (a: Rational, b: Rational): Rational => reduce({ num: a.num * b.den, den: a.den * b.num });
export const add = (a: Rational, b: Rational): Rational =>
  reduce({ num: a.num * b.den + b.num * a.den, den: a.den * b.den });
export const sub = (a: Rational, b: Rational): Rational =>
  reduce({ num: a.num * b.den - b.num * a.den, den: a.den * b.den });
export const cmp = (a: Rational, b: Rational): number => {
  const d = a.num * b.den - b.num * a.den;
  return d > 0n ? 1 : d < 0n ? -1 : 0;
};
export const int = (n: bigint | number): Rational => ({ num: BigInt(n), den: 1n });

/** Largest integer ≤ r. */
export function floor(r: Rational): bigint {
  const q = r.num / r.den;
  return r.num < 0n && q * r.den !== r.num ? q - 1n : q;
}

/** The nearest double (for reporting, never for sampling). */
export function toDouble(r: Rational): number {
  // scale so both parts fit a double's exponent range
  const shift = Math.max(0, Math.max(r.num.toString(2).length, r.den.toString(2).length) - 1000);
  const b = BigInt(shift);
  return Number(r.num >> b) / Number(r.den >> b);
}
