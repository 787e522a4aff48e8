import type { Rng } from '../../../core/rng.js';
import { zigguratTables } from '../../../core/ziggurat.js';

/**
 * Bulk random numbers for the generation hot loops: xoshiro128** with its state
 * held in locals while a whole buffer is filled, and a Marsaglia–Tsang
 * ziggurat (256 layers, so about 98.5% of draws take the fast path) for Gaussians. A stream is seeded from an Rng, so it
 * inherits that Rng's determinism: the same seed and fork labels give the same
 * numbers.
 */

const LAYERS = 256;
const MASK = LAYERS - 1;
/** Start of the tail and area of each layer for 256 layers. */
const ZIG_R = 3.6541528853610088;
const ZIG_V = 0.00492867323399;
const { kn: KN, wn: WN, fn: FN } = zigguratTables(LAYERS, ZIG_R, ZIG_V);

const TWO_POW_32 = 4294967296;

export class FastRandom {
  // initialised as small integers so V8 keeps the fields unboxed
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  /** Seed a stream from four words of `rng`. */
  constructor(rng: Rng) {
    this.a = rng.nextUint32() | 0;
    this.b = rng.nextUint32() | 0;
    this.c = rng.nextUint32() | 0;
    this.d = rng.nextUint32() | 0;
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** One signed 32-bit word (xoshiro128**). */
  nextInt32(): number {
    const b5 = Math.imul(this.b, 5);
    const r = Math.imul((b5 << 7) | (b5 >>> 25), 9);
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = (this.d << 11) | (this.d >>> 21);
    return r;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return (this.nextInt32() >>> 0) / TWO_POW_32;
  }

  /** Standard normal N(0, 1). */
  normal(): number {
    const hz = this.nextInt32();
    const iz = hz & MASK;
    const k = KN[iz]!;
    return hz < k && hz > -k ? hz * WN[iz]! : this.slowNormal(hz, iz);
  }

  /** Fill out[0..n) with independent standard normals. */
  fillNormal(out: Float64Array, n = out.length): void {
    let a = this.a;
    let b = this.b;
    let c = this.c;
    let d = this.d;
    for (let i = 0; i < n; i++) {
      const b5 = Math.imul(b, 5);
      const hz = Math.imul((b5 << 7) | (b5 >>> 25), 9);
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = (d << 11) | (d >>> 21);
      const iz = hz & MASK;
      const k = KN[iz]!;
      if (hz < k && hz > -k) {
        out[i] = hz * WN[iz]!;
      } else {
        // rare (about 1.5%): hand the state back for the rejection step
        this.a = a;
        this.b = b;
        this.c = c;
        this.d = d;
        out[i] = this.slowNormal(hz, iz);
        a = this.a;
        b = this.b;
        c = this.c;
        d = this.d;
      }
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
  }

  /** Fill out[0..n) with independent uniforms in [0, 1). */
  fillUniform(out: Float64Array, n = out.length): void {
    let a = this.a;
    let b = this.b;
    let c = this.c;
    let d = this.d;
    for (let i = 0; i < n; i++) {
      const b5 = Math.imul(b, 5);
      const r = Math.imul((b5 << 7) | (b5 >>> 25), 9);
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = (d << 11) | (d >>> 21);
      out[i] = (r >>> 0) / TWO_POW_32;
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
  }

  /** The ziggurat's rejection and tail steps for a word that missed the fast path. */
  private slowNormal(hz: number, iz: number): number {
    for (;;) {
      if (iz === 0) {
        let x: number;
        let y: number;
        do {
          x = -Math.log(1 - this.uniform()) / ZIG_R;
          y = -Math.log(1 - this.uniform());
        } while (y + y < x * x);
        return hz > 0 ? ZIG_R + x : -ZIG_R - x;
      }
      const x = hz * WN[iz]!;
      if (FN[iz]! + this.uniform() * (FN[iz - 1]! - FN[iz]!) < Math.exp(-0.5 * x * x)) return x;
      hz = this.nextInt32();
      iz = hz & MASK;
      const k = KN[iz]!;
      if (hz < k && hz > -k) return hz * WN[iz]!;
    }
  }
}
