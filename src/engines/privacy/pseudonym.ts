/**
 * Keyed pseudonyms. The same identifier under the same key always gets the
 * same pseudonym (joins across tables still work); under another key the
 * pseudonyms are unrelated. Two forms:
 * - HMAC-SHA-256 of (kind, value), 120 bits in base64url with a prefix per
 *   kind: for device ids and site names, where the format does not matter;
 * - FF1 format-preserving encryption (ff1.ts) where it does: a MAC address
 *   stays a MAC address (same separators and case), a serial keeps its
 *   letters, digits and punctuation in place. The kind is the FF1 tweak.
 * Both keys are derived from the one configured secret by HKDF-SHA-256 with
 * distinct labels; neither the secret nor a derived key is ever logged or
 * returned.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import { TsiotError } from '../../core/errors.js';
import { ff1Encrypt, MIN_DOMAIN } from './ff1.js';

export const IDENTIFIER_KINDS = ['device_id', 'serial', 'mac', 'site'] as const;
export type IdentifierKind = (typeof IDENTIFIER_KINDS)[number];

const PREFIX: Record<IdentifierKind, string> = { device_id: 'dev_', serial: 'sn_', mac: 'mac_', site: 'site_' };
const ALNUM = '0123456789abcdefghijklmnopqrstuvwxyz';
const MAC = /^[0-9A-Fa-f]{2}([:-]?)[0-9A-Fa-f]{2}(\1[0-9A-Fa-f]{2}){4}$/;

export class Pseudonymizer {
  private readonly hmacKey: Buffer;
  private readonly ff1Key: Buffer;

  constructor(secret: string) {
    if (typeof secret !== 'string' || secret.length < 16)
      throw new TsiotError('invalid_input', 'privacy.pseudonymKey: expected a secret of at least 16 characters', {
        details: { field: 'privacy.pseudonymKey' },
      });
    const ikm = Buffer.from(secret, 'utf8');
    this.hmacKey = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'tsiot pseudonym hmac v1', 32));
    this.ff1Key = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'tsiot pseudonym ff1 v1', 32));
  }

  /** HMAC-SHA-256 pseudonym of (kind, value): a prefix and 20 base64url characters (120 bits). */
  hmac(kind: IdentifierKind, value: string): string {
    const mac = createHmac('sha256', this.hmacKey).update(kind).update('\u0000').update(value).digest();
    return `${PREFIX[kind]}${mac.subarray(0, 15).toString('base64url')}`;
  }

  /** A MAC address encrypted to another MAC address with FF1 (radix 16), separators and case kept. */
  mac(value: string): string {
    if (!MAC.test(value))
      throw new TsiotError('invalid_input', 'identifiers.mac: expected a MAC address like 00:1A:2B:3C:4D:5E', {
        details: { field: 'identifiers.mac', example: '00:1A:2B:3C:4D:5E' },
      });
    const hex = value.replace(/[^0-9A-Fa-f]/g, '');
    const out = ff1Encrypt(
      this.ff1Key,
      Buffer.from('mac'),
      16,
      Array.from(hex, (c) => Number.parseInt(c, 16)),
    );
    const upper = !/[a-f]/.test(hex);
    let i = 0;
    return value.replace(/[0-9A-Fa-f]/g, () => {
      const c = out[i++]!.toString(16);
      return upper ? c.toUpperCase() : c;
    });
  }

  /**
   * A serial number encrypted in its own format: letters and digits (case
   * folded, radix 36 — or radix 10 when it is all digits) change, other
   * characters stay. Falls back to the HMAC form when too short for FF1.
   */
  serial(value: string): string {
    const chars = Array.from(value);
    const alnum = chars.filter((c) => /[0-9A-Za-z]/.test(c));
    const digitsOnly = alnum.every((c) => /[0-9]/.test(c));
    const radix = digitsOnly ? 10 : 36;
    if (alnum.length < 2 || radix ** alnum.length < MIN_DOMAIN) return this.hmac('serial', value);
    const out = ff1Encrypt(
      this.ff1Key,
      Buffer.from('serial'),
      radix,
      alnum.map((c) => ALNUM.indexOf(c.toLowerCase())),
    );
    const upper = alnum.some((c) => /[A-Z]/.test(c)) && !alnum.some((c) => /[a-z]/.test(c));
    let i = 0;
    return chars
      .map((c) => {
        if (!/[0-9A-Za-z]/.test(c)) return c;
        const o = ALNUM[out[i++]!]!;
        return upper ? o.toUpperCase() : o;
      })
      .join('');
  }

  /** The pseudonym of one identifier: FF1 where the format matters (mac, serial), else HMAC. */
  pseudonym(kind: IdentifierKind, value: string, formatPreserving = true): string {
    if (formatPreserving && kind === 'mac') return this.mac(value);
    if (formatPreserving && kind === 'serial') return this.serial(value);
    return this.hmac(kind, value);
  }
}
