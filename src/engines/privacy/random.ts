/**
 * Randomness for differential privacy. Noise that protects people comes from
 * the operating system's cryptographic generator (node:crypto), never from a
 * seeded PRNG: a DP release is not reproducible by seed, by design.
 *
 * Everything here draws whole bits and builds exact uniform integers by
 * rejection, so no floating-point rounding enters a sampler. Tests may pass
 * another `BitSource` (a seeded one) to make statistical checks repeatable;
 * the engine never does.
 */
import { randomFillSync } from 'node:crypto';

/** Fills a buffer with uniform random bytes. */
export interface BitSource {
  fill(bytes: Uint8Array): void;
}

/** The operating system's cryptographic generator. */
export const cryptoBits: BitSource = {
  fill(bytes) {
    randomFillSync(bytes);
  },
};

const POOL = 8192;

/** Exact uniform integers and Bernoulli trials with rational probabilities over a bit source. */
export class SecureRandom {
  private readonly pool = new Uint8Array(POOL);
  private at = POOL;

  constructor(private readonly source: BitSource = cryptoBits) {}

  private byte(): number {
    if (this.at === POOL) {
      this.source.fill(this.pool);
      this.at = 0;
    }
    return this.pool[this.at++]!;
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    return ((this.byte() << 24) | (this.byte() << 16) | (this.byte() << 8) | this.byte()) >>> 0;
  }

  /** Uniform integer in [0, n) for 0 < n ≤ 2^32, by rejection (no modulo bias). */
  smallInt(n: number): number {
    if (!(n > 0 && n <= 2 ** 32 && Number.isInteger(n))) throw new RangeError(`smallInt: bad range ${n}`);
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const u = this.uint32();
      if (u < limit) return u % n;
    }
  }

  /** Uniform integer in [0, n) for any n > 0, by rejection on the bit length of n. */
  below(n: bigint): bigint {
    if (n <= 0n) throw new RangeError('below: n must be positive');
    if (n <= 0x1_0000_0000n) return BigInt(this.smallInt(Number(n)));
    const bits = n.toString(2).length;
    const bytes = Math.ceil(bits / 8);
    const mask = (1n << BigInt(bits)) - 1n;
    for (;;) {
      let v = 0n;
      for (let i = 0; i < bytes; i++) v = (v << 8n) | BigInt(this.byte());
      v &= mask;
      if (v < n) return v;
    }
  }

  /** True with probability num/den exactly (0 ≤ num ≤ den). */
  bernoulli(num: bigint, den: bigint): boolean {
    if (num <= 0n) return false;
    if (num >= den) return true;
    return this.below(den) < num;
  }

  /** A fair coin. */
  coin(): boolean {
    return (this.byte() & 1) === 1;
  }
}
