/**
 * Seeded pseudo-random numbers. Every random choice in tsiot flows from an Rng
 * passed in, so the same request and seed give byte-identical output.
 *
 * Generator: xoshiro128** (32-bit state words, fast in JS integer arithmetic).
 * Seeding: the seed (number or string) is hashed with a 32-bit FNV/murmur
 * style mix into four state words through splitmix32. `fork(label)` derives an
 * independent stream from (seed, label), so per-device and per-sensor streams
 * do not shift when another device is added.
 * Gaussians: Marsaglia–Tsang ziggurat with 128 layers.
 */

import { zigguratTables } from './ziggurat.js';

export type Seed = number | string;

export interface Rng {
  readonly seed: Seed;
  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number;
  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number;
  /** Uniform in [0, 1) with 53 bits of resolution. */
  nextDouble(): number;
  /** Standard normal N(0, 1). */
  normal(): number;
  /** Exponential with rate 1. */
  exponential(): number;
  /** Integer uniform in [min, maxExclusive). */
  int(min: number, maxExclusive: number): number;
  /** In-place Fisher–Yates shuffle. */
  shuffle<T>(items: T[]): T[];
  /** An independent stream derived from this stream's seed and a label. */
  fork(label: string | number): Rng;
}

/** Hash a string to 32 bits (murmur3 finaliser over FNV-1a). */
export function hash32(text: string, h = 0x811c9dc5): number {
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Draw a fresh seed when the caller gave none (reported back so the run can be repeated). */
export function randomSeed(): number {
  const buf = new Uint32Array(1);
  globalThis.crypto.getRandomValues(buf);
  return buf[0]!;
}

// ziggurat tables (128 layers), built once
const ZIG_R = 3.442619855899;
const { kn: KN, wn: WN, fn: FN } = zigguratTables(128, ZIG_R, 9.91256303526217e-3);

class Xoshiro128 implements Rng {
  readonly seed: Seed;
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: Seed, salt = 0) {
    this.seed = seed;
    const base = hash32(canonicalSeed(seed));
    const st = { s: (base ^ Math.imul(salt | 0, 0x9e3779b1)) | 0 };
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  nextUint32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  next(): number {
    return this.nextUint32() / 4294967296;
  }

  nextDouble(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  normal(): number {
    for (;;) {
      const hz = this.nextUint32() | 0;
      const iz = hz & 127;
      if (Math.abs(hz) < KN[iz]!) return hz * WN[iz]!;
      // slow path
      const x0 = hz * WN[iz]!;
      if (iz === 0) {
        let x: number;
        let y: number;
        do {
          x = -Math.log(1 - this.next()) / ZIG_R;
          y = -Math.log(1 - this.next());
        } while (y + y < x * x);
        return hz > 0 ? ZIG_R + x : -ZIG_R - x;
      }
      if (FN[iz]! + this.next() * (FN[iz - 1]! - FN[iz]!) < Math.exp(-0.5 * x0 * x0)) return x0;
    }
  }

  exponential(): number {
    return -Math.log(1 - this.nextDouble());
  }

  int(min: number, maxExclusive: number): number {
    const span = maxExclusive - min;
    if (!(span > 0)) throw new RangeError(`int(${min}, ${maxExclusive}): empty range`);
    return min + Math.floor(this.nextDouble() * span);
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }

  fork(label: string | number): Rng {
    return new Xoshiro128(`${String(this.seed)}/${String(label)}`);
  }
}

/**
 * The text a seed is hashed from. An integer and its decimal string are the
 * same seed (42 and "42"), because clients that only send strings (CLI flags,
 * form fields) must reproduce what a JSON client asked for.
 */
export function canonicalSeed(seed: Seed): string {
  if (typeof seed === 'number' && Number.isSafeInteger(seed)) return `n:${seed}`;
  if (typeof seed === 'string' && /^(0|[1-9]\d{0,15})$/.test(seed) && Number.isSafeInteger(Number(seed)))
    return `n:${seed}`;
  return `s:${String(seed)}`;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Create the PRNG for a seed. The same seed always yields the same stream. */
export function createRng(seed: Seed): Rng {
  return new Xoshiro128(seed);
}
