import { describe, expect, it } from 'vitest';
import { ff1Decrypt, ff1Encrypt } from '../../../src/engines/privacy/ff1.js';

// NIST SP 800-38G FF1 sample vectors (FF1samples.pdf, samples 1–9).
const K128 = '2B7E151628AED2A6ABF7158809CF4F3C';
const K192 = `${K128}EF4359D8D580AA4F`;
const K256 = `${K192}7F036D6F04FC6A94`;
const T1 = '39383736353433323130';
const T2 = '3737373770717273373737';
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
const SAMPLES: [key: string, tweak: string, radix: number, pt: string, ct: string][] = [
  [K128, '', 10, '0123456789', '2433477484'],
  [K128, T1, 10, '0123456789', '6124200773'],
  [K128, T2, 36, '0123456789abcdefghi', 'a9tv40mll9kdu509eum'],
  [K192, '', 10, '0123456789', '2830668132'],
  [K192, T1, 10, '0123456789', '2496655549'],
  [K192, T2, 36, '0123456789abcdefghi', 'xbj3kv35jrawxv32ysr'],
  [K256, '', 10, '0123456789', '6657667009'],
  [K256, T1, 10, '0123456789', '1001623463'],
  [K256, T2, 36, '0123456789abcdefghi', 'xs8a0azh2avyalyzuwd'],
];

const digits = (s: string) => Array.from(s, (c) => ALPHABET.indexOf(c));
const text = (d: number[]) => d.map((x) => ALPHABET[x]).join('');

describe('FF1 (NIST SP 800-38G)', () => {
  it.each(SAMPLES.map((s, i) => [i + 1, ...s] as const))('sample %i', (_n, key, tweak, radix, pt, ct) => {
    const k = Buffer.from(key, 'hex');
    const t = Buffer.from(tweak, 'hex');
    expect(text(ff1Encrypt(k, t, radix, digits(pt)))).toBe(ct);
    expect(text(ff1Decrypt(k, t, radix, digits(ct)))).toBe(pt);
  });

  it('round-trips odd lengths and radix 16, and refuses domains below one million', () => {
    const k = Buffer.from(K256, 'hex');
    const x = digits('0a1b2c3d4e5f');
    const y = ff1Encrypt(k, Buffer.from('mac'), 16, x);
    expect(y).toHaveLength(12);
    expect(y.every((d) => d < 16)).toBe(true);
    expect(ff1Decrypt(k, Buffer.from('mac'), 16, y)).toEqual(x);
    expect(() => ff1Encrypt(k, Buffer.alloc(0), 10, digits('12345'))).toThrow(/1000000/);
    expect(() => ff1Encrypt(k, Buffer.alloc(0), 10, [1, 2, 3, 4, 5, 11])).toThrow(/not in radix/);
  });
});
