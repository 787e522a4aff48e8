import { parseDuration, parseTime } from '../../../core/time.js';

/** One slice of a large generation: the generator's parameters for that slice. */
export interface ChunkPlan {
  /** Number of chunks; chunk k runs with paramsFor(k). */
  count: number;
  /** Values (rows × columns × entities) over all chunks, as estimated by the generator. */
  values: number;
  paramsFor(k: number): Record<string, unknown>;
}

/**
 * Split a generation into time windows of about `chunkValues` values each.
 *
 * Windowing applies to generators whose parameters say where the series
 * starts (`start`), how often it samples (`interval`) and how long it runs
 * (`end`, `duration` or `points`), like the statistical generator: chunk k
 * gets `start`/`end` (end exclusive) for its window, aligned to the interval
 * so that windows neither overlap nor leave holes. Other generators run as one
 * chunk.
 *
 * `estimate` gives the values for a parameter set (the generator's own estimate).
 */
export function planChunks(
  params: Record<string, unknown>,
  estimate: (p: Record<string, unknown>) => number,
  chunkValues: number,
): ChunkPlan {
  const values = estimate(params);
  const span = spanOf(params);
  if (!span) return { count: 1, values, paramsFor: () => params };
  const rows = Math.max(1, Math.ceil((span.end - span.start) / span.interval));
  const perRow = Math.max(1, values / rows);
  const rowsPerChunk = Math.max(1, Math.floor(chunkValues / perRow));
  const count = Math.ceil(rows / rowsPerChunk);
  const width = rowsPerChunk * span.interval;
  return {
    count,
    values,
    paramsFor(k) {
      const { duration: _d, points: _p, ...rest } = params;
      return { ...rest, start: span.start + k * width, end: Math.min(span.end, span.start + (k + 1) * width) };
    },
  };
}

function spanOf(p: Record<string, unknown>): { start: number; end: number; interval: number } | undefined {
  const isTime = (v: unknown): v is string | number => typeof v === 'string' || typeof v === 'number';
  if (!isTime(p.start) || !isTime(p.interval)) return undefined;
  const start = parseTime(p.start, 'params.start');
  const interval = parseDuration(p.interval, 'params.interval');
  if (!(interval > 0)) return undefined;
  let end: number | undefined;
  if (typeof p.points === 'number') end = start + p.points * interval;
  else if (isTime(p.end)) end = parseTime(p.end, 'params.end');
  else if (isTime(p.duration)) end = start + parseDuration(p.duration, 'params.duration');
  if (end === undefined || !(end > start)) return undefined;
  return { start, end, interval };
}

/** What chunk k of a device-cut generation holds: whole devices [first, last), or one window of one device. */
export interface DeviceSlice {
  first: number;
  last: number;
  /** The window of each device's rows this chunk holds, out of `windows` equal ones (0 of 1: the whole device). */
  window: number;
  windows: number;
}

/**
 * Cut a generation that can be made one device at a time (DeviceStream) into
 * chunks of at most about `chunkValues` values: several whole devices per
 * chunk when they are small, else each device in `windows` equal slices of
 * its rows. The slices only cut output that is the same however it is cut,
 * so every plan gives the bytes of one un-chunked call. Memory holds one
 * device at a time.
 */
export function planDeviceChunks(
  devices: number,
  valuesPerDevice: number,
  chunkValues: number,
): { count: number; values: number; sliceFor(k: number): DeviceSlice } {
  const values = devices * valuesPerDevice;
  if (valuesPerDevice <= chunkValues) {
    const per = valuesPerDevice === 0 ? Math.max(1, devices) : Math.max(1, Math.floor(chunkValues / valuesPerDevice));
    return {
      count: Math.max(1, Math.ceil(devices / per)),
      values,
      sliceFor: (k) => ({ first: k * per, last: Math.min(devices, (k + 1) * per), window: 0, windows: 1 }),
    };
  }
  const windows = Math.ceil(valuesPerDevice / chunkValues);
  return {
    count: devices * windows,
    values,
    sliceFor: (k) => {
      const d = Math.floor(k / windows);
      return { first: d, last: d + 1, window: k % windows, windows };
    },
  };
}

/** Rows [lo, hi) of window w out of `windows` equal windows of n rows. */
export function windowRows(n: number, window: number, windows: number): { lo: number; hi: number } {
  return { lo: Math.floor((window * n) / windows), hi: Math.floor(((window + 1) * n) / windows) };
}
