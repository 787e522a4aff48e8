import { describe, expect, it } from 'vitest';
import type { TimeSeries } from '../../../src/core/types.js';
import { fleetMessages, parseTopicTemplate } from '../../../src/engines/mqtt/messages.js';

function series(name: string, deviceId: string, timestamps: number[], temp: number[]): TimeSeries {
  return {
    id: name,
    name,
    metadata: { tags: {}, deviceId, sensorType: 'temperature' },
    timestamps: Float64Array.from(timestamps),
    columns: [{ name: 'temperature', unit: 'Cel', values: Float64Array.from(temp) }],
    labels: [],
  };
}

describe('fleet messages', () => {
  const fleet = [series('a', 'dev/1', [0, 2000], [20, 21]), series('b', 'dev+2', [1000, 2000], [30, Number.NaN])];

  it('interleaves devices in data-time order and keeps names from adding topic levels or wildcards', () => {
    const m = [...fleetMessages(fleet, { topic: 'site/{device}/{column}', format: 'json' })];
    expect(m.map((x) => [x.t, x.topic])).toEqual([
      [0, 'site/dev_1/temperature'],
      [1000, 'site/dev_2/temperature'],
      [2000, 'site/dev_1/temperature'],
    ]);
    expect(JSON.parse(m[1]!.payload)).toEqual({ device: 'dev+2', ts: '1970-01-01T00:00:01.000Z', temperature: 30 });
  });

  it('writes SenML records (RFC 8428: base name, base time in seconds, unit) and line protocol', () => {
    const [senml] = [...fleetMessages(fleet, { topic: 't/{device}', format: 'senml' })];
    expect(JSON.parse(senml!.payload)).toEqual([{ bn: 'urn:dev:dev/1:', bt: 0, n: 'temperature', u: 'Cel', v: 20 }]);
    const line = [...fleetMessages(fleet, { topic: 't/{device}', format: 'line' })].map((x) => x.payload);
    expect(line).toEqual([
      'temperature,device_id=dev/1 temperature=20 0',
      'temperature,device_id=dev+2 temperature=30 1000',
      'temperature,device_id=dev/1 temperature=21 2000',
    ]);
  });

  it('refuses wildcards, reserved topics, unknown placeholders and empty levels, naming the field', () => {
    for (const [topic, why] of [
      ['a/#', /wildcards/],
      ['$SYS/x', /reserved/],
      ['a/{place}', /unknown placeholder \{place\}/],
      ['a//b', /empty topic level/],
      ['a/{device', /unbalanced/],
    ] as const)
      expect(() => parseTopicTemplate(topic)).toThrow(why);
    expect(parseTopicTemplate('a/{device}')).toEqual({ perColumn: false });
  });
});
