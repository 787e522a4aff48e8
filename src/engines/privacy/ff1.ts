/**
 * FF1 format-preserving encryption (NIST SP 800-38G, §6.1), over node:crypto
 * AES: a numeral string in some radix maps to another of the same length and
 * radix, reversibly under the key — a MAC address stays a MAC address.
 * Checked against NIST's published FF1 samples (test/engines/privacy/ff1.test.ts).
 */
import { createCipheriv } from 'node:crypto';

/** The smallest domain SP 800-38G allows: radix^length ≥ 1,000,000. */
export const MIN_DOMAIN = 1_000_000;

function cipherName(key: Uint8Array, mode: 'cbc' | 'ecb'): string {
  if (![16, 24, 32].includes(key.length)) throw new RangeError('FF1 key must be 16, 24 or 32 bytes (AES-128/192/256)');
  return `aes-${key.length * 8}-${mode}`;
}

/** CBC-MAC with a zero IV: the last block of AES-CBC over whole blocks (the PRF of FF1). */
function prf(key: Uint8Array, data: Uint8Array): Buffer {
  const c = createCipheriv(cipherName(key, 'cbc'), key, Buffer.alloc(16));
  c.setAutoPadding(false);
  const out = Buffer.concat([c.update(data), c.final()]);
  return out.subarray(out.length - 16);
}

function ciph(key: Uint8Array, block: Uint8Array): Buffer {
  const c = createCipheriv(cipherName(key, 'ecb'), key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(block), c.final()]);
}

/** [x]^s: x as s bytes, big-endian. */
function bytesOf(x: bigint, s: number): Buffer {
  const b = Buffer.alloc(s);
  let v = x;
  for (let i = s - 1; i >= 0; i--) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return b;
}

const num = (bytes: Uint8Array): bigint => {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
};

function numRadix(digits: readonly number[], radix: bigint): bigint {
  let v = 0n;
  for (const d of digits) v = v * radix + BigInt(d);
  return v;
}

function strRadix(x: bigint, radix: bigint, m: number): number[] {
  const out = new Array<number>(m);
  let v = x;
  for (let i = m - 1; i >= 0; i--) {
    out[i] = Number(v % radix);
    v /= radix;
  }
  return out;
}

function check(radix: number, digits: readonly number[]): void {
  if (!(Number.isInteger(radix) && radix >= 2 && radix <= 65536))
    throw new RangeError(`FF1 radix must be 2–65536, got ${radix}`);
  if (digits.length < 2 || radix ** digits.length < MIN_DOMAIN)
    throw new RangeError(
      `FF1 needs radix^length ≥ ${MIN_DOMAIN}; ${digits.length} numerals of radix ${radix} are too few`,
    );
  for (const d of digits)
    if (!(Number.isInteger(d) && d >= 0 && d < radix)) throw new RangeError(`numeral ${d} is not in radix ${radix}`);
}

function round(
  key: Uint8Array,
  p: Buffer,
  tweak: Uint8Array,
  i: number,
  x: readonly number[],
  b: number,
  d: number,
  radix: bigint,
): bigint {
  const pad = (((-tweak.length - b - 1) % 16) + 16) % 16;
  const q = Buffer.concat([tweak, Buffer.alloc(pad), Buffer.from([i]), bytesOf(numRadix(x, radix), b)]);
  const r = prf(key, Buffer.concat([p, q]));
  const blocks = [r];
  for (let j = 1; j < Math.ceil(d / 16); j++) {
    const x16 = Buffer.from(r);
    const jb = bytesOf(BigInt(j), 16);
    for (let k = 0; k < 16; k++) x16[k]! ^= jb[k]!;
    blocks.push(ciph(key, x16));
  }
  return num(Buffer.concat(blocks).subarray(0, d));
}

function setup(radix: number, n: number, tweak: Uint8Array) {
  const u = Math.floor(n / 2);
  const v = n - u;
  const b = Math.ceil(Math.ceil(v * Math.log2(radix)) / 8);
  const d = 4 * Math.ceil(b / 4) + 4;
  const p = Buffer.concat([
    Buffer.from([1, 2, 1]),
    bytesOf(BigInt(radix), 3),
    Buffer.from([10, u % 256]),
    bytesOf(BigInt(n), 4),
    bytesOf(BigInt(tweak.length), 4),
  ]);
  return { u, v, b, d, p };
}

/** FF1.Encrypt(K, T, X): numerals of `radix` to numerals of the same length. */
export function ff1Encrypt(key: Uint8Array, tweak: Uint8Array, radix: number, x: readonly number[]): number[] {
  check(radix, x);
  const { u, v, b, d, p } = setup(radix, x.length, tweak);
  const r = BigInt(radix);
  let a = x.slice(0, u);
  let bb = x.slice(u);
  for (let i = 0; i < 10; i++) {
    const y = round(key, p, tweak, i, bb, b, d, r);
    const m = i % 2 === 0 ? u : v;
    const mod = r ** BigInt(m);
    const c = (((numRadix(a, r) + y) % mod) + mod) % mod;
    a = bb;
    bb = strRadix(c, r, m);
  }
  return [...a, ...bb];
}

/** FF1.Decrypt(K, T, Y): the inverse of ff1Encrypt. */
export function ff1Decrypt(key: Uint8Array, tweak: Uint8Array, radix: number, y: readonly number[]): number[] {
  check(radix, y);
  const { u, v, b, d, p } = setup(radix, y.length, tweak);
  const r = BigInt(radix);
  let a = y.slice(0, u);
  let bb = y.slice(u);
  for (let i = 9; i >= 0; i--) {
    const f = round(key, p, tweak, i, a, b, d, r);
    const m = i % 2 === 0 ? u : v;
    const mod = r ** BigInt(m);
    const c = (((numRadix(bb, r) - f) % mod) + mod) % mod;
    bb = a;
    a = strRadix(c, r, m);
  }
  return [...a, ...bb];
}
