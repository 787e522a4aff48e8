import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TsiotError } from '../../src/core/errors.js';
import { runTool } from '../../src/registry/run-tool.js';
import { tools } from '../../tools/index.js';
import { makeEngines, type TestEngines } from '../helpers/engines.js';
import { closedPort, requireServer, runName } from '../helpers/servers.js';

const broker = await requireServer('Mosquitto', 'TSIOT_TEST_MQTT_URL', 1883);
const simulate = tools.find((t) => t.name === 'simulate_fleet')!;

interface Received {
  topic: string;
  payload: string;
}

/** Subscribe to prefix/# and collect every message until stopped. */
async function subscriber(prefix: string) {
  const client = await mqtt.connectAsync(broker.url, { clientId: `${prefix}-sub`.slice(0, 64) });
  const got: Received[] = [];
  client.on('message', (topic, payload) => got.push({ topic, payload: payload.toString('utf8') }));
  await client.subscribeAsync(`${prefix}/#`, { qos: 1 });
  return {
    got,
    async until(n: number, ms = 15_000) {
      const end = Date.now() + ms;
      while (got.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    },
    close: () => client.endAsync(),
  };
}

describe.skipIf(!broker.ok)('simulate_fleet against Mosquitto', () => {
  let engines: TestEngines;
  beforeAll(async () => {
    engines = await makeEngines();
  });
  afterAll(async () => engines.close());
  const ctx = () => ({ engines, logger: engines.logger, signal: new AbortController().signal, progress: () => {} });

  it('publishes a generated fleet, one topic per device and column, and a subscriber sees every message', async () => {
    const prefix = runName('fleet');
    const sub = await subscriber(prefix);
    try {
      const r = await runTool(
        simulate,
        {
          broker: broker.url,
          generate: {
            params: {
              devices: 3,
              duration: '1h',
              interval: '1m',
              sensors: [{ type: 'temperature' }, { type: 'humidity' }],
            },
            seed: 21,
          },
          topic: `${prefix}/{device}/{column}`,
          qos: 1,
          statusTopic: `${prefix}/status`,
        },
        ctx(),
      );
      const out = r.structured as { messages: number; dropped: number; topics: number; series: number };
      expect(out).toMatchObject({ messages: 3 * 60 * 2, dropped: 0, topics: 6, series: 3 });
      await sub.until(out.messages + 2);
      const data = sub.got.filter((m) => !m.topic.endsWith('/status'));
      expect(data).toHaveLength(out.messages);
      expect(sub.got.filter((m) => m.topic === `${prefix}/status`).map((m) => m.payload)).toEqual([
        'online',
        'offline',
      ]);
      const first = JSON.parse(data[0]!.payload) as Record<string, unknown>;
      expect(first).toMatchObject({ device: 'device-001', ts: '2025-01-01T00:00:00.000Z' });
      expect(typeof first.temperature).toBe('number');
      expect(new Set(data.map((m) => m.topic))).toContain(`${prefix}/device-002/humidity`);
    } finally {
      await sub.close();
    }
  });

  it('sends the same messages whatever the pacing, in SenML and line protocol', async () => {
    const prefix = runName('pace');
    const sub = await subscriber(prefix);
    const series = {
      name: 'pump',
      deviceId: 'pump-7',
      timestamps: [0, 1000, 2000, 3000],
      values: { flow: [1.5, null, 2.5, 3], rpm: [900, 910, null, 905] },
    };
    try {
      const fast = await runTool(
        simulate,
        { broker: broker.url, series, topic: `${prefix}/a/{device}`, format: 'senml' },
        ctx(),
      );
      // ×4 real time: 3 s of data in about 0.75 s
      const begun = Date.now();
      const paced = await runTool(
        simulate,
        { broker: broker.url, series, topic: `${prefix}/b/{device}`, format: 'senml', speed: 4, qos: 1 },
        ctx(),
      );
      expect(Date.now() - begun).toBeGreaterThanOrEqual(600);
      expect((fast.structured as { messages: number }).messages).toBe(4);
      expect((paced.structured as { messages: number }).messages).toBe(4);
      await sub.until(8);
      const a = sub.got.filter((m) => m.topic.startsWith(`${prefix}/a/`)).map((m) => m.payload);
      const b = sub.got.filter((m) => m.topic.startsWith(`${prefix}/b/`)).map((m) => m.payload);
      expect(b).toEqual(a);
      expect(JSON.parse(a[1]!)).toEqual([{ bn: 'urn:dev:pump-7:', bt: 1, n: 'rpm', v: 910 }]);

      await runTool(simulate, { broker: broker.url, series, topic: `${prefix}/c/{column}`, format: 'line' }, ctx());
      await sub.until(8 + 6);
      const line = sub.got.filter((m) => m.topic.startsWith(`${prefix}/c/`));
      expect(line.map((m) => m.payload)).toContain('tsiot,device_id=pump-7 flow=1.5 0');
    } finally {
      await sub.close();
    }
  });

  it('fails at once on an unreachable broker, and refuses a bad topic template or both sources', async () => {
    const port = await closedPort();
    const begun = Date.now();
    const down = await runTool(
      simulate,
      { broker: `mqtt://user:hunter2@127.0.0.1:${port}`, generate: { params: { duration: '1h' }, seed: 1 } },
      ctx(),
    ).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(TsiotError);
    expect(down).toMatchObject({ code: 'unavailable' });
    expect((down as Error).message).toMatch(/Could not connect to the MQTT broker/);
    expect((down as Error).message).not.toContain('hunter2');
    expect(Date.now() - begun).toBeLessThan(8_000);

    const wildcard = await runTool(
      simulate,
      { broker: broker.url, generate: { params: {} }, topic: 'a/+/{device}' },
      ctx(),
    ).catch((e: unknown) => e);
    expect((wildcard as Error).message).toMatch(/^topic: .*wildcards/);
    const unknown = await runTool(
      simulate,
      { broker: broker.url, generate: { params: {} }, topic: 'a/{devise}' },
      ctx(),
    ).catch((e: unknown) => e);
    expect((unknown as Error).message).toMatch(/unknown placeholder \{devise\}/);
    const both = await runTool(simulate, { broker: broker.url }, ctx()).catch((e: unknown) => e);
    expect((both as Error).message).toMatch(/give exactly one/);
  });
});
