import { TsiotError } from '../../core/errors.js';
import type { TimeSeries } from '../../core/types.js';
import { escapeKey, escapeMeasurement } from '../export/line-protocol.js';

export type PayloadFormat = 'json' | 'senml' | 'line';

/** One MQTT message of a fleet's replay, at the data time it stands for. */
export interface FleetMessage {
  /** Data time, epoch ms. */
  t: number;
  topic: string;
  payload: string;
}

const PLACEHOLDERS = ['device', 'series', 'column', 'sensor'] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];

/**
 * Check a topic template: `{device}`, `{series}`, `{sensor}` (the series'
 * sensor type) and `{column}` may appear; MQTT wildcards and empty levels may
 * not. With `{column}` each value is its own message; without, a row of a
 * device is one message holding every column.
 */
export function parseTopicTemplate(template: string): { perColumn: boolean } {
  const fail = (why: string) =>
    new TsiotError('invalid_input', `topic: ${why}`, {
      details: { field: 'topic', example: 'tsiot/{device}/{column}' },
    });
  if (template.length === 0 || template.length > 512) throw fail('give 1–512 characters');
  if (/[+#\0]/.test(template)) throw fail('"+", "#" and NUL are wildcards or not allowed in a topic to publish to');
  if (template.startsWith('$')) throw fail('topics starting with "$" are reserved for the broker');
  for (const m of template.matchAll(/\{([^}]*)\}/g))
    if (!(PLACEHOLDERS as readonly string[]).includes(m[1]!))
      throw fail(`unknown placeholder {${m[1]}}; use ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`);
  if (/[{}]/.test(template.replace(/\{(device|series|column|sensor)\}/g, ''))) throw fail('unbalanced "{" or "}"');
  if (template.split('/').some((level, i, all) => level === '' && i > 0 && i < all.length - 1))
    throw fail('empty topic level ("//")');
  return { perColumn: template.includes('{column}') };
}

/** A topic level from a value: "/" and wildcards become "_", so a name cannot add levels or wildcards. */
function level(value: string): string {
  return value.replace(/[/+#\0]/g, '_') || '_';
}

function topicOf(template: string, vars: Record<Placeholder, string>): string {
  return template.replace(/\{(device|series|column|sensor)\}/g, (_, k: Placeholder) => level(vars[k]));
}

/**
 * Every message of a replay of `series`, in data-time order (ties: series in
 * the order given, then columns). The content depends only on the series and
 * options, never on the pacing. Missing values (NaN) are left out; a row with
 * nothing left sends nothing.
 */
export function* fleetMessages(
  series: TimeSeries[],
  options: { topic: string; format: PayloadFormat },
): Generator<FleetMessage> {
  const { perColumn } = parseTopicTemplate(options.topic);
  const next = series.map(() => 0);
  for (;;) {
    let pick = -1;
    for (let s = 0; s < series.length; s++) {
      const i = next[s]!;
      if (i >= series[s]!.timestamps.length) continue;
      if (pick < 0 || series[s]!.timestamps[i]! < series[pick]!.timestamps[next[pick]!]!) pick = s;
    }
    if (pick < 0) return;
    const s = series[pick]!;
    const i = next[pick]!++;
    const t = s.timestamps[i]!;
    const device = s.metadata.deviceId ?? s.name;
    const vars = { device, series: s.name, sensor: s.metadata.sensorType ?? 'sensor', column: '' };
    const present = s.columns.filter((c) => Number.isFinite(c.values[i]!));
    if (present.length === 0) continue;
    if (perColumn) {
      for (const c of present)
        yield {
          t,
          topic: topicOf(options.topic, { ...vars, column: c.name }),
          payload: payload(options.format, s, device, t, [c], i),
        };
    } else {
      yield { t, topic: topicOf(options.topic, vars), payload: payload(options.format, s, device, t, present, i) };
    }
  }
}

function payload(
  format: PayloadFormat,
  s: TimeSeries,
  device: string,
  t: number,
  columns: TimeSeries['columns'],
  i: number,
): string {
  if (format === 'json') {
    const values: Record<string, number> = {};
    for (const c of columns) values[c.name] = c.values[i]!;
    return JSON.stringify({ device, ts: new Date(t).toISOString(), ...values });
  }
  if (format === 'senml') {
    // RFC 8428: base name per device, base time in seconds, one record per value
    return JSON.stringify(
      columns.map((c, k) => ({
        ...(k === 0 ? { bn: `urn:dev:${device}:`, bt: t / 1000 } : {}),
        n: c.name,
        ...(c.unit ? { u: c.unit } : {}),
        v: c.values[i]!,
      })),
    );
  }
  const measurement = escapeMeasurement(s.metadata.sensorType ?? 'tsiot');
  const fields = columns.map((c) => `${escapeKey(c.name)}=${c.values[i]!}`).join(',');
  return `${measurement},device_id=${escapeKey(device)} ${fields} ${Math.round(t)}`;
}
