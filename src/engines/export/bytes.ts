/**
 * Text formatted straight into large byte buffers: the CSV, NDJSON and line
 * protocol encoders write ASCII numbers and timestamps digit by digit and
 * copy names and keys encoded once per series, so no string is built per
 * row. A full buffer is handed out as one chunk and a new one begun (the
 * sink may still hold the last one).
 */
import { writePositiveDouble } from './double-text.js';
import { formatTimestamp, type TimestampFormat } from './options.js';

const DIGITS_0 = 48;
/** Whole ms from 1970 to the last of year 9999: where toISOString has the fixed 24-character form. */
const LAST_FIXED_ISO_MS = 253_402_300_799_999;

export class ByteChunks {
  private buf: Buffer;
  private pos = 0;
  private readonly chunkBytes: number;
  private cachedHour = Number.NaN;
  private readonly hourPrefix = new Uint8Array(14);

  constructor(chunkBytes: number) {
    this.chunkBytes = Math.max(chunkBytes, 1024);
    this.buf = Buffer.allocUnsafe(this.chunkBytes);
  }

  /** Bytes written since the last chunk was taken. */
  get length(): number {
    return this.pos;
  }

  /**
   * Make room for `bytes` more. Returns the filled chunk when it had to be
   * cut (the caller hands it to the sink), else undefined.
   */
  reserve(bytes: number): Buffer | undefined {
    if (this.pos + bytes <= this.buf.length) return undefined;
    const out = this.take();
    if (bytes > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(bytes, this.chunkBytes));
    return out;
  }

  /** The bytes written so far as one chunk (undefined when none); writing goes on in a new buffer. */
  take(): Buffer | undefined {
    if (this.pos === 0) return undefined;
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(this.chunkBytes);
    this.pos = 0;
    return out;
  }

  /** Whether the current buffer holds a chunk's worth. */
  get full(): boolean {
    return this.pos >= this.chunkBytes;
  }

  /** Forget what was written since `mark` (a row that turned out empty). */
  rewind(mark: number): void {
    this.pos = mark;
  }

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  bytes(b: Uint8Array): void {
    const n = b.length;
    // a loop beats set() for the short names, keys and prefixes written per row
    if (n <= 32) {
      const buf = this.buf;
      const p = this.pos;
      for (let i = 0; i < n; i++) buf[p + i] = b[i]!;
    } else this.buf.set(b, this.pos);
    this.pos += n;
  }

  /** A string known to be ASCII (number and timestamp text). */
  ascii(s: string): void {
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** A number as String(v) writes it (shortest round-trip text; "NaN", "Infinity" as such). */
  number(v: number): void {
    if (v >= 0 && v < 2_147_483_648 && (v | 0) === v) this.uint(v);
    else if (v >= 2_147_483_648 && v < 1e15 && Math.floor(v) === v) {
      // epoch milliseconds and other large whole numbers: two halves below 10^8 each (String(v) has no exponent below 1e21)
      const high = Math.floor(v / 100_000_000);
      this.uint(high);
      this.uint8Digits(v - high * 100_000_000);
    } else if (v < 0 && v > -2_147_483_648 && (v | 0) === v) {
      this.byte(45);
      this.uint(-v);
    } else {
      let end = -1;
      if (v > 0) end = writePositiveDouble(this.buf, this.pos, v);
      else if (v < 0) {
        this.buf[this.pos] = 45; // - (overwritten if String(v) takes over)
        end = writePositiveDouble(this.buf, this.pos + 1, -v);
      }
      if (end < 0) this.ascii(String(v));
      else this.pos = end;
    }
  }

  /** An integer from 0 to 99,999,999 as exactly eight digits (leading zeros). */
  private uint8Digits(v: number): void {
    const buf = this.buf;
    const p = this.pos;
    for (let i = 7; i >= 0; i--) {
      const q = (v / 10) | 0;
      buf[p + i] = DIGITS_0 + v - q * 10;
      v = q;
    }
    this.pos = p + 8;
  }

  /** A non-negative integer below 2^31. */
  private uint(v: number): void {
    const buf = this.buf;
    let digits = 1;
    for (let x = v; x >= 10; x = (x / 10) | 0) digits++;
    let p = this.pos + digits;
    this.pos = p;
    do {
      const q = (v / 10) | 0;
      buf[--p] = DIGITS_0 + v - q * 10;
      v = q;
    } while (v > 0);
  }

  /**
   * A timestamp as formatTimestamp writes it. ISO: rows of one hour share
   * the "YYYY-MM-DDTHH:" prefix, encoded once; minutes, seconds and
   * milliseconds are written as digits. Times outside years 1970–9999 take formatTimestamp.
   */
  timestamp(ms: number, format: TimestampFormat): void {
    if (format === 'ms') {
      this.number(ms);
      return;
    }
    if (!Number.isInteger(ms) || ms < 0 || ms > LAST_FIXED_ISO_MS) {
      this.ascii(formatTimestamp(ms, 'iso'));
      return;
    }
    const minute = Math.floor(ms / 60_000);
    const hour = Math.floor(minute / 60);
    if (hour !== this.cachedHour) {
      const prefix = new Date(hour * 3_600_000).toISOString();
      for (let i = 0; i < 14; i++) this.hourPrefix[i] = prefix.charCodeAt(i);
      this.cachedHour = hour;
    }
    const buf = this.buf;
    const pre = this.hourPrefix;
    let p = this.pos;
    for (let i = 0; i < 14; i++) buf[p + i] = pre[i]!;
    p += 14;
    // "MM:SS.mmmZ"
    const min = minute - hour * 60;
    const min10 = (min / 10) | 0;
    buf[p] = DIGITS_0 + min10;
    buf[p + 1] = DIGITS_0 + min - min10 * 10;
    buf[p + 2] = 58; // :
    p += 3;
    // "SS.mmmZ"
    const rest = ms - minute * 60_000;
    const sec = (rest / 1000) | 0;
    const milli = rest - sec * 1000;
    const s10 = (sec / 10) | 0;
    buf[p] = DIGITS_0 + s10;
    buf[p + 1] = DIGITS_0 + sec - s10 * 10;
    buf[p + 2] = 46;
    const m100 = (milli / 100) | 0;
    const m = milli - m100 * 100;
    const m10 = (m / 10) | 0;
    buf[p + 3] = DIGITS_0 + m100;
    buf[p + 4] = DIGITS_0 + m10;
    buf[p + 5] = DIGITS_0 + m - m10 * 10;
    buf[p + 6] = 90; // Z
    this.pos = p + 7;
  }
}

/** Upper bound of the bytes number() and timestamp() write (String of a double is at most 25 characters). */
export const NUMBER_BYTES = 25;
export const TIMESTAMP_BYTES = 32;

export const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');
