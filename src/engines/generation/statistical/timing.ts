import { TsiotError } from '../../../core/errors.js';
import { checkGrid, parseDuration, parseTime } from '../../../core/time.js';
import type { StatisticalParams } from './schema.js';

/** The sampling grid shared by every device of a request. */
export interface Timing {
  /** First timestamp, epoch ms. */
  start: number;
  intervalMs: number;
  /** Samples per device before any gap removes some. */
  rows: number;
}

const DEFAULT_SPAN = '1d';
/** Above this a single device's column could not be allocated; the service's point cap normally refuses far earlier. */
const MAX_ROWS = 2 ** 30;

/**
 * The grid from start/interval and one of points, end or duration (in that
 * order of precedence; 1 day when none is given). End is exclusive.
 */
export function resolveTiming(
  p: Pick<StatisticalParams, 'start' | 'end' | 'duration' | 'points' | 'interval'>,
): Timing {
  const start = parseTime(p.start, 'start');
  const intervalMs = parseDuration(p.interval, 'interval');
  if (!(intervalMs > 0)) {
    throw new TsiotError('invalid_input', 'interval: must be longer than 0 ms, e.g. "1m" or "10s"', {
      details: { field: 'interval', example: '1m' },
    });
  }
  let rows: number;
  if (p.points !== undefined) {
    rows = p.points;
  } else if (p.end !== undefined) {
    const end = parseTime(p.end, 'end');
    if (!(end > start)) {
      throw new TsiotError(
        'invalid_input',
        `end: must be after start (${new Date(start).toISOString()}), got ${JSON.stringify(p.end)}`,
        {
          details: { field: 'end', example: new Date(start + 86_400_000).toISOString() },
        },
      );
    }
    rows = Math.ceil((end - start) / intervalMs);
  } else {
    const span = parseDuration(p.duration ?? DEFAULT_SPAN, 'duration');
    if (!(span > 0)) {
      throw new TsiotError('invalid_input', 'duration: must be longer than 0, e.g. "1d" or "7d"', {
        details: { field: 'duration', example: '7d' },
      });
    }
    rows = Math.ceil(span / intervalMs);
  }
  checkGrid(start, intervalMs, rows);
  return { start, intervalMs, rows };
}

/** Refuse grids no typed array can hold (the point cap of the service normally refuses far earlier). */
export function assertAllocatable(timing: Timing): void {
  if (timing.rows > MAX_ROWS) {
    throw new TsiotError(
      'too_large',
      `This request asks for ${timing.rows.toLocaleString('en-US')} samples per device; at most ${MAX_ROWS.toLocaleString('en-US')} fit in memory.`,
      {
        details: { rows: timing.rows, limit: MAX_ROWS },
        hint: 'Use a longer interval or a shorter span.',
      },
    );
  }
}

/** Timestamp of row r on the regular grid. */
export function gridTime(timing: Timing, row: number): number {
  return timing.start + row * timing.intervalMs;
}
