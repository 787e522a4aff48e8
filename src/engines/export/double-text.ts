/**
 * The shortest round-trip text of a double, exactly as String(v) writes it,
 * digit by digit into a byte buffer without building a string.
 *
 * String(v) of a full-precision double costs several hundred nanoseconds; the
 * text encoders write millions of them. Here v (from 1e-6 to 1e17, the range
 * String(v) writes in fixed notation and where 10^K below is exact) is scaled
 * to w = v·10^K in [10^16, 10^17) as an exact sum hi + lo (Dekker's product),
 * and its round-trip interval w ± half an ulp·10^K is searched for the
 * multiple of the largest power of ten (fewest digits) closest to w. Every
 * decision compares distances computed to within 2^-47 of the exact ones;
 * one that falls within MARGIN of a boundary or of a tie (exact midpoints
 * included) is not taken and String(v) writes that value instead, so the text
 * is always String(v)'s.
 */

/** 10^0 … 10^22, each exactly representable. */
const POW10: readonly number[] = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
/** Veltkamp's split of each power of ten into high and low halves (26 bits each). */
const SPLIT = 134_217_729; // 2^27 + 1
const POW10_HI = POW10.map((p) => {
  const c = SPLIT * p;
  return c - (c - p);
});
const POW10_LO = POW10.map((p, k) => p - POW10_HI[k]!);
/** Far above the arithmetic's error (≤ 2^-47 on distances of at most ~40), far below any real gap. */
const MARGIN = 1e-9;
const E8 = 100_000_000;
const DIGITS_0 = 48;

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
/** Index of the word holding sign, exponent and high mantissa bits. */
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LOW = 1 - HIGH;
const digits = new Uint8Array(24);
/** The two digit characters of 0…99, as consecutive bytes. */
const PAIRS = Uint8Array.from(
  { length: 200 },
  (_, i) => DIGITS_0 + (i & 1 ? (i >> 1) % 10 : Math.floor((i >> 1) / 10)),
);
const LOG10_2 = Math.log10(2);

/** 1 when X (relative to the base) is inside the interval, 0 when outside, -1 when too close to tell. */
function inside(d: number, above: number, below: number): number {
  // d = X − w; inside when −below < d < above
  if (d >= 0) {
    const gap = above - d;
    return gap > MARGIN ? 1 : gap < -MARGIN ? 0 : -1;
  }
  const gap = below + d;
  return gap > MARGIN ? 1 : gap < -MARGIN ? 0 : -1;
}

/**
 * Write the text of a positive finite `v` at `pos` in `buf`. Returns the
 * position after it, or -1 when this path does not decide the value (out of
 * range, or a boundary or tie too close to call); then nothing is written.
 */
export function writePositiveDouble(buf: Uint8Array, pos: number, v: number): number {
  if (!(v >= 1e-6 && v < 1e17)) return -1;
  bits[0] = v;
  const high = words[HIGH]!;
  const exponent = (high >>> 20) & 0x7ff;
  const powerOfTwo = (high & 0xfffff) === 0 && words[LOW] === 0;
  // floor(log10 v) is floor(e·log10 2) or one more (v = m·2^e, 1 ≤ m < 2): one correction below fixes it
  let k = 16 - Math.floor((exponent - 1023) * LOG10_2);
  if (k < 0 || k > 22) return -1;
  let hi = v * POW10[k]!;
  if (hi < 1e16) hi = v * POW10[++k]!;
  else if (hi >= 1e17) hi = v * POW10[--k]!;
  if (k < 0 || k > 22 || !(hi >= 1e16 && hi < 1e17)) return -1;

  // w = hi + lo exactly (Dekker's two-product without fused multiply-add)
  const c = SPLIT * v;
  const vh = c - (c - v);
  const vl = v - vh;
  const ph = POW10_HI[k]!;
  const pl = POW10_LO[k]!;
  const lo = vh * ph - hi + vh * pl + vl * ph + vl * pl;

  // half an ulp of v, scaled: above w; below w it is half that at a power of two
  words[HIGH] = (exponent - 53) << 20; // 2^(exponent − 1076): half an ulp, built from its bits
  words[LOW] = 0;
  const above = bits[0]! * POW10[k]!;
  const below = powerOfTwo ? above / 2 : above;

  // hi is an integer (≥ 2^53): split it as top·10^8 + bot, both exact
  let top = Math.floor(hi / E8);
  let bot = hi - top * E8;
  if (bot < 0) {
    top--;
    bot += E8;
  } else if (bot >= E8) {
    top++;
    bot -= E8;
  }
  const w = bot + lo; // approximate, only to find candidates; distances use bot and lo apart

  // the largest power 10^j (j ≤ 8) with a multiple inside, and the multiple nearest w
  let chosen = Number.NaN;
  for (let j = 0, p = 1; j <= 8; j++, p *= 10) {
    const f = Math.floor(w / p) * p;
    const g = f + p;
    const df = f - bot - lo;
    const dg = g - bot - lo;
    const inF = inside(df, above, below);
    const inG = inside(dg, above, below);
    if (inF < 0 || inG < 0) return -1;
    if (inF === 0 && inG === 0) break;
    if (inF === 1 && inG === 1) {
      const tie = Math.abs(df) - Math.abs(dg);
      if (Math.abs(tie) <= MARGIN) return -1;
      chosen = tie < 0 ? f : g;
    } else chosen = inF === 1 ? f : g;
  }
  if (Number.isNaN(chosen)) return -1;

  // the digits of D = top·10^8 + chosen, then v = D·10^-k
  let t = top;
  let r = chosen;
  if (r < 0) {
    t--;
    r += E8;
  } else if (r >= E8) {
    t += Math.floor(r / E8);
    r %= E8;
  }
  // t < 10^9 and r < 10^8: two digits per division
  let n = t >= 100_000_000 ? 9 : t >= 10_000_000 ? 8 : 0;
  if (n === 0) for (let x = t; x > 0; x = (x / 10) | 0) n++;
  let i = n - 1;
  for (let x = t; i >= 0; ) {
    const q = (x / 100) | 0;
    const two = (x - q * 100) << 1;
    digits[i--] = PAIRS[two + 1]!;
    if (i >= 0) digits[i--] = PAIRS[two]!;
    x = q;
  }
  for (let j = n + 6, x = r; j >= n; j -= 2) {
    const q = (x / 100) | 0;
    const two = (x - q * 100) << 1;
    digits[j] = PAIRS[two]!;
    digits[j + 1] = PAIRS[two + 1]!;
    x = q;
  }
  const total = n + 8;
  let sig = total;
  while (sig > 1 && digits[sig - 1] === DIGITS_0) sig--;
  const point = total - k; // digits before the decimal point
  if (point < -5 || point > 21) return -1;

  let p = pos;
  if (point <= 0) {
    buf[p++] = DIGITS_0;
    buf[p++] = 46;
    for (let i = 0; i < -point; i++) buf[p++] = DIGITS_0;
    for (let i = 0; i < sig; i++) buf[p++] = digits[i]!;
  } else if (point >= sig) {
    for (let i = 0; i < sig; i++) buf[p++] = digits[i]!;
    for (let i = sig; i < point; i++) buf[p++] = DIGITS_0;
  } else {
    for (let i = 0; i < point; i++) buf[p++] = digits[i]!;
    buf[p++] = 46;
    for (let i = point; i < sig; i++) buf[p++] = digits[i]!;
  }
  return p;
}
