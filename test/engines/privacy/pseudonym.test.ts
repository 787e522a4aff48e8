import { describe, expect, it } from 'vitest';
import { Pseudonymizer } from '../../../src/engines/privacy/pseudonym.js';

const A = new Pseudonymizer('a-test-secret-of-some-length');
const B = new Pseudonymizer('another-secret-entirely-000');

describe('keyed pseudonyms', () => {
  it('are consistent under one key and unrelated under another', () => {
    expect(A.hmac('device_id', 'pump-17')).toBe(A.hmac('device_id', 'pump-17'));
    expect(A.hmac('device_id', 'pump-17')).not.toBe(B.hmac('device_id', 'pump-17'));
    expect(A.hmac('device_id', 'pump-17')).not.toBe(A.hmac('site', 'pump-17'));
    expect(A.hmac('device_id', 'pump-17')).toMatch(/^dev_[A-Za-z0-9_-]{20}$/);
    expect(A.mac('00:1A:2B:3C:4D:5E')).not.toBe(B.mac('00:1A:2B:3C:4D:5E'));
  });

  it('keep a MAC a MAC and a serial in its format', () => {
    const m = A.mac('00:1A:2B:3C:4D:5E');
    expect(m).toMatch(/^([0-9A-F]{2}:){5}[0-9A-F]{2}$/);
    expect(m).not.toBe('00:1A:2B:3C:4D:5E');
    expect(A.mac('001a2b3c4d5e')).toMatch(/^[0-9a-f]{12}$/);
    expect(A.mac('00-1A-2B-3C-4D-5E')).toMatch(/^([0-9A-F]{2}-){5}[0-9A-F]{2}$/);
    const s = A.serial('SN-4821-XK77');
    expect(s).toMatch(/^[0-9A-Z]{2}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(s).not.toBe('SN-4821-XK77');
    expect(A.serial('00123456')).toMatch(/^\d{8}$/);
    expect(A.serial('A1')).toMatch(/^sn_/); // too short for FF1's domain: HMAC instead
    expect(() => A.mac('not-a-mac')).toThrow(/MAC address/);
  });

  it('the secret is checked and never shows in a pseudonym or an error', () => {
    expect(() => new Pseudonymizer('short')).toThrow(/at least 16/);
    let message = '';
    try {
      new Pseudonymizer('short');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).not.toContain('short');
    expect(A.hmac('site', 'x')).not.toContain('secret');
  });

  it('1,000,000 device pseudonyms without a collision', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1_000_000; i++) seen.add(A.hmac('device_id', `device-${i}`));
    expect(seen.size).toBe(1_000_000);
  }, 120_000);
});

describe('the pseudonym construction', () => {
  it('is HMAC-SHA-256 of "kind NUL value" under the HKDF-derived key, truncated to 120 bits', async () => {
    const { createHmac, hkdfSync } = await import('node:crypto');
    const secret = 'a-test-secret-of-some-length';
    const key = Buffer.from(hkdfSync('sha256', Buffer.from(secret), Buffer.alloc(0), 'tsiot pseudonym hmac v1', 32));
    const expected = createHmac('sha256', key)
      .update('device_id\u0000pump-17')
      .digest()
      .subarray(0, 15)
      .toString('base64url');
    expect(A.hmac('device_id', 'pump-17')).toBe(`dev_${expected}`);
  });
});
