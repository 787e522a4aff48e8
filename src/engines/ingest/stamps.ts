/**
 * Time stamps as real files write them: ISO 8601, epoch seconds or
 * milliseconds, "2020/1/1 0:15", "10/03/2004" with "18.00.00" in a column of
 * its own, or any layout a strftime-style format describes. Zone-less stamps
 * are wall-clock time in one IANA zone (UTC unless told), never the server's.
 *
 * Stamps are collected row by row and resolved at the end, because whether
 * "03/04/2024" is day-first or month-first is only known from the whole
 * column.
 */
import { TsiotError } from '../../core/errors.js';
import { cachedZoneOffset, type DateFields, utcOfFields, validFields, wallClockToEpoch } from '../../core/time.js';
import { GrowableF64, GrowableI32 } from './growable.js';

/** How a row's stamp was read. */
const Kind = {
  /** A number: epoch seconds or milliseconds, decided over the column. */
  Number: 0,
  /** Wall-clock time with a known field order: converted from the time zone at the end. */
  Local: 1,
  /** An instant (the stamp named its zone). */
  Instant: 2,
  /** Wall-clock "a/b/year" whose day and month order is decided over the column. */
  Ambiguous: 3,
} as const;
type Kind = (typeof Kind)[keyof typeof Kind];

export interface StampOptions {
  /** A strftime-style format covering the whole stamp (date and time joined by one space). */
  timeFormat?: string;
  /** IANA zone of zone-less stamps; default UTC. */
  timeZone: string;
  /** Names the stamp's source in messages, e.g. `data.csv column "Date" + "Time"`. */
  label: string;
}

const DATE_YMD = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})/;
const DATE_XY_Y = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?!\d)/;
const TIME_RE = /^(\d{1,2})[:.](\d{2})(?:[:.](\d{2})(?:[.,](\d{1,9}))?)?\s*([AaPp][Mm])?/;
const ZONE_RE = /^(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$/i;

/** Collects the stamps of a column (or of a date and a time column) and resolves them to epoch ms. */
export class StampCollector {
  private readonly kinds = new GrowableI32();
  /** Kind.Number: the number; Local: wall clock as UTC fields; Instant: epoch ms; Ambiguous: time of day ms. */
  private readonly value = new GrowableF64();
  /** Kind.Ambiguous: the first and second field and the year (0 otherwise). */
  private readonly first = new GrowableI32();
  private readonly second = new GrowableI32();
  private readonly year = new GrowableI32();
  private readonly rowOf = new GrowableI32();
  private readonly format?: CompiledFormat;

  constructor(private readonly options: StampOptions) {
    if (options.timeFormat !== undefined) this.format = compileFormat(options.timeFormat);
  }

  get length(): number {
    return this.kinds.length;
  }

  /**
   * Read one stamp (`time` when the time of day is in a column of its own).
   * Returns false when the text is not a stamp; `row` is kept for later messages.
   */
  push(date: string, time: string | undefined, row: number): boolean {
    const text = time === undefined ? date.trim() : `${date.trim()} ${time.trim()}`;
    if (this.format) {
      const read = this.format.parse(text);
      if (!read) return false;
      this.add(read.zoneOffsetMs === undefined ? Kind.Local : Kind.Instant, read.ms, row);
      return true;
    }
    if (time === undefined && /^[+-]?\d+(\.\d+)?$/.test(text)) {
      this.add(Kind.Number, Number(text), row);
      return true;
    }
    return this.pushFlexible(date.trim(), time?.trim(), row);
  }

  private add(kind: Kind, value: number, row: number, a = 0, b = 0, year = 0): void {
    this.kinds.push(kind);
    this.value.push(value);
    this.rowOf.push(row);
    this.first.push(a);
    this.second.push(b);
    this.year.push(year);
  }

  private pushFlexible(date: string, time: string | undefined, row: number): boolean {
    let rest: string;
    let y: number;
    let a: number;
    let b: number;
    let ambiguous = false;
    const ymd = DATE_YMD.exec(date);
    if (ymd) {
      y = Number(ymd[1]);
      a = Number(ymd[2]);
      b = Number(ymd[3]);
      rest = date.slice(ymd[0].length);
    } else {
      const xy = DATE_XY_Y.exec(date);
      if (!xy) return false;
      a = Number(xy[1]);
      b = Number(xy[2]);
      y = xy[3]!.length === 2 ? twoDigitYear(Number(xy[3])) : Number(xy[3]);
      ambiguous = true;
      rest = date.slice(xy[0].length);
    }
    if (time !== undefined) {
      if (rest.trim() !== '') return false;
      rest = time;
    } else if (rest !== '') {
      if (!/^[T ]/.test(rest)) return false;
      rest = rest.slice(1);
    }
    rest = rest.trim();
    let tod = 0;
    let zone: number | undefined;
    if (rest !== '') {
      const t = TIME_RE.exec(rest);
      if (!t) return false;
      let h = Number(t[1]);
      const mi = Number(t[2]);
      const s = Number(t[3] ?? 0);
      if (t[5]) {
        if (h < 1 || h > 12) return false;
        h = (h % 12) + (t[5].toLowerCase() === 'pm' ? 12 : 0);
      }
      if (h > 23 || mi > 59 || s > 60) return false;
      tod = ((h * 60 + mi) * 60 + s) * 1000 + (t[4] ? Math.round(Number(`0.${t[4]}`) * 1000) : 0);
      const z = rest.slice(t[0].length).trim();
      if (z !== '') {
        const zm = ZONE_RE.exec(z);
        if (!zm) return false;
        zone = zoneOffset(zm[1]!);
      }
    }
    if (ambiguous) {
      if (zone !== undefined) return false;
      this.add(Kind.Ambiguous, tod, row, a, b, y);
      return true;
    }
    const fields: DateFields = { year: y, month: a, day: b, hour: 0, minute: 0, second: 0, millisecond: 0 };
    if (!validFields(fields)) return false;
    const local = utcOfFields(fields) + tod;
    if (zone === undefined) this.add(Kind.Local, local, row);
    else this.add(Kind.Instant, local - zone, row);
    return true;
  }

  /** Resolve every stamp to epoch ms; notes say how they were read. */
  finish(): { times: Float64Array; notes: string[] } {
    const n = this.kinds.length;
    const notes: string[] = [];
    const times = new Float64Array(n);
    const label = this.options.label;
    let numbers = 0;
    for (let i = 0; i < n; i++) if (this.kinds.at(i) === Kind.Number) numbers++;
    if (numbers > 0 && numbers < n) {
      let i = 1;
      while ((this.kinds.at(i) === Kind.Number) === (this.kinds.at(0) === Kind.Number)) i++;
      throw this.error(i, 'mixes epoch numbers and date-times');
    }
    if (numbers === n && n > 0) {
      let seconds = true;
      for (let i = 0; i < n; i++) if (Math.abs(this.value.at(i)) >= 1e11) seconds = false;
      for (let i = 0; i < n; i++) times[i] = seconds ? this.value.at(i) * 1000 : this.value.at(i);
      notes.push(`timestamps read as epoch ${seconds ? 'seconds' : 'milliseconds'}`);
      return { times, notes };
    }
    const dayFirst = this.dayFirst(notes);
    const offsetAt = cachedZoneOffset();
    const zone = this.options.timeZone;
    let local = 0;
    for (let i = 0; i < n; i++) {
      const k = this.kinds.at(i);
      let v = this.value.at(i);
      if (k === Kind.Ambiguous) {
        const a = this.first.at(i);
        const b = this.second.at(i);
        const fields: DateFields = {
          year: this.year.at(i),
          month: dayFirst ? b : a,
          day: dayFirst ? a : b,
          hour: 0,
          minute: 0,
          second: 0,
          millisecond: 0,
        };
        if (!validFields(fields)) throw this.error(i, `is not a date read ${dayFirst ? 'day' : 'month'} first`);
        v += utcOfFields(fields);
      }
      if (k === Kind.Instant) times[i] = v;
      else {
        local++;
        times[i] = wallClockToEpoch(v, zone, offsetAt);
      }
    }
    if (local > 0) {
      notes.push(
        zone === 'UTC'
          ? `${label}: the stamps name no time zone, so they were read as UTC (set timeZone, e.g. "Europe/Berlin", if they are local time)`
          : `${label}: zone-less stamps read as wall-clock time in ${zone}`,
      );
    }
    return { times, notes };
  }

  /** Day-first or month-first for "a/b/year" dates: a field over 12 decides, else the field that changes more often is the day. */
  private dayFirst(notes: string[]): boolean {
    let firstOver = -1;
    let secondOver = -1;
    let firstChanges = 0;
    let secondChanges = 0;
    let prev = -1;
    for (let i = 0; i < this.kinds.length; i++) {
      if (this.kinds.at(i) !== Kind.Ambiguous) continue;
      const a = this.first.at(i);
      const b = this.second.at(i);
      if (a > 12 && firstOver < 0) firstOver = i;
      if (b > 12 && secondOver < 0) secondOver = i;
      if (prev >= 0) {
        if (a !== this.first.at(prev)) firstChanges++;
        if (b !== this.second.at(prev)) secondChanges++;
      }
      prev = i;
    }
    if (prev < 0) return false;
    const label = this.options.label;
    if (firstOver >= 0 && secondOver >= 0) {
      throw this.error(Math.max(firstOver, secondOver), 'has its day first while earlier rows have it second', {
        hint: 'Give the layout with timeFormat, e.g. "%d/%m/%Y %H:%M".',
      });
    }
    if (firstOver >= 0 || secondOver >= 0) {
      const dayFirst = firstOver >= 0;
      notes.push(`${label}: dates read ${dayFirst ? 'day/month/year' : 'month/day/year'} (a field above 12 decides)`);
      return dayFirst;
    }
    if (firstChanges === secondChanges) {
      throw new TsiotError(
        'invalid_input',
        `${label}: dates such as 03/04/2024 could be day-first or month-first and the data do not tell`,
        {
          details: { field: 'timeFormat', example: '%d/%m/%Y %H:%M' },
          hint: 'Give the layout with timeFormat, e.g. "%d/%m/%Y %H:%M" or "%m/%d/%Y %H:%M".',
        },
      );
    }
    const dayFirst = firstChanges > secondChanges;
    notes.push(
      `${label}: dates read ${dayFirst ? 'day/month/year' : 'month/day/year'} (the ${dayFirst ? 'first' : 'second'} field changes more often, so it is the day)`,
    );
    return dayFirst;
  }

  private error(i: number, what: string, extra: { hint?: string } = {}): TsiotError {
    const row = this.rowOf.at(i);
    return new TsiotError('invalid_input', `${this.options.label}, row ${row}: the stamp ${what}`, {
      details: { field: 'data', row, example: '2025-01-01T00:00:00Z' },
      ...(extra.hint ? { hint: extra.hint } : {}),
    });
  }
}

function twoDigitYear(yy: number): number {
  return yy < 70 ? 2000 + yy : 1900 + yy;
}

function zoneOffset(zone: string): number {
  const z = zone.toUpperCase();
  if (z === 'Z' || z === 'UTC' || z === 'GMT') return 0;
  const sign = z[0] === '-' ? -1 : 1;
  const digits = z.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0)) * 60_000;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

interface CompiledFormat {
  /** Wall-clock fields as UTC ms (or the instant when the format has %z / %s). */
  parse(text: string): { ms: number; zoneOffsetMs?: number } | undefined;
}

type Fields = DateFields & { pm?: boolean; zone?: number; epoch?: number };
type Setter = (f: Fields, v: string) => boolean;

function numberSetter(key: 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second'): Setter {
  return (f, v) => {
    f[key] = Number(v);
    return true;
  };
}

const DIRECTIVES: Record<string, { re: string; set: Setter }> = {
  Y: { re: '(\\d{4})', set: numberSetter('year') },
  y: {
    re: '(\\d{2})',
    set: (f, v) => {
      f.year = twoDigitYear(Number(v));
      return true;
    },
  },
  m: { re: '(\\d{1,2})', set: numberSetter('month') },
  d: { re: '(\\d{1,2})', set: numberSetter('day') },
  e: { re: '\\s?(\\d{1,2})', set: numberSetter('day') },
  H: { re: '(\\d{1,2})', set: numberSetter('hour') },
  I: {
    re: '(\\d{1,2})',
    set: (f, v) => {
      f.hour = Number(v) % 12;
      f.pm ??= false;
      return Number(v) >= 1 && Number(v) <= 12;
    },
  },
  M: { re: '(\\d{2})', set: numberSetter('minute') },
  S: { re: '(\\d{2})', set: numberSetter('second') },
  f: {
    re: '(\\d{1,9})',
    set: (f, v) => {
      f.millisecond = Math.round(Number(`0.${v}`) * 1000);
      return true;
    },
  },
  p: {
    re: '([AaPp][Mm])',
    set: (f, v) => {
      f.pm = v.toLowerCase() === 'pm';
      return true;
    },
  },
  b: {
    re: '([A-Za-z]{3})',
    set: (f, v) => {
      f.month = MONTHS.indexOf(v.toLowerCase()) + 1;
      return f.month > 0;
    },
  },
  B: {
    re: '([A-Za-z]+)',
    set: (f, v) => {
      f.month = MONTHS.indexOf(v.slice(0, 3).toLowerCase()) + 1;
      return f.month > 0;
    },
  },
  z: {
    re: '(Z|[+-]\\d{2}:?\\d{2})',
    set: (f, v) => {
      f.zone = zoneOffset(v);
      return true;
    },
  },
  s: {
    re: '(-?\\d+)',
    set: (f, v) => {
      f.epoch = Number(v) * 1000;
      return true;
    },
  },
};

/** Compile a strftime-style format (%Y %y %m %d %e %H %I %M %S %f %p %b %B %z %s %%). */
export function compileFormat(format: string, field = 'timeFormat'): CompiledFormat {
  let re = '^\\s*';
  const setters: Setter[] = [];
  let sawDate = false;
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch !== '%') {
      re += /\s/.test(ch) ? '\\s+' : ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
      continue;
    }
    const d = format[++i];
    if (d === '%') {
      re += '%';
      continue;
    }
    const spec = d === undefined ? undefined : DIRECTIVES[d];
    if (!spec) {
      throw new TsiotError(
        'invalid_input',
        `${field}: unknown directive "%${d ?? ''}" in ${JSON.stringify(format)}; known: %Y %y %m %d %e %H %I %M %S %f %p %b %B %z %s %%`,
        { details: { field, example: '%d/%m/%Y %H:%M' } },
      );
    }
    if ('YymdebBs'.includes(d!)) sawDate = true;
    re += spec.re;
    setters.push(spec.set);
  }
  if (!sawDate) {
    throw new TsiotError('invalid_input', `${field}: ${JSON.stringify(format)} has no date part (%Y, %m, %d or %s)`, {
      details: { field, example: '%d/%m/%Y %H:%M' },
    });
  }
  const compiled = new RegExp(`${re}\\s*$`);
  return {
    parse(text) {
      const m = compiled.exec(text);
      if (!m) return undefined;
      const f: Fields = {
        year: 1970,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        millisecond: 0,
      };
      for (let k = 0; k < setters.length; k++) if (!setters[k]!(f, m[k + 1]!)) return undefined;
      if (f.epoch !== undefined) return { ms: f.epoch, zoneOffsetMs: 0 };
      if (f.pm !== undefined) f.hour = (f.hour % 12) + (f.pm ? 12 : 0);
      if (!validFields(f)) return undefined;
      const local = utcOfFields(f);
      return f.zone === undefined ? { ms: local } : { ms: local - f.zone, zoneOffsetMs: f.zone };
    },
  };
}
