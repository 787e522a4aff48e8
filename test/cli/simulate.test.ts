import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { cliArgs } from '../helpers/cli.js';
import { requireServer, runName } from '../helpers/servers.js';

const run = promisify(execFile);
const broker = await requireServer('Mosquitto', 'TSIOT_TEST_MQTT_URL', 1883);
const work = mkdtempSync(join(tmpdir(), 'tsiot-cli-simulate-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!broker.ok)('tsiot simulate', () => {
  it('publishes a generated fleet that a subscriber receives, and names an unreachable broker', async () => {
    const prefix = runName('cli');
    const sub = await mqtt.connectAsync(broker.url, { clientId: `${prefix}-sub` });
    const got: string[] = [];
    sub.on('message', (topic) => got.push(topic));
    await sub.subscribeAsync(`${prefix}/#`, { qos: 1 });
    try {
      const env = { ...process.env, TSIOT_LOG_LEVEL: 'silent', TSIOT_DATA_DIR: join(work, 'data') };
      const r = await run(
        process.execPath,
        cliArgs(
          'simulate',
          '--broker',
          broker.url,
          '--topic',
          `${prefix}/{device}`,
          '--devices',
          '2',
          '--duration',
          '30m',
          '--interval',
          '1m',
          '--seed',
          '3',
          '--qos',
          '1',
        ),
        { cwd: work, env },
      );
      expect(JSON.parse(r.stdout)).toMatchObject({ messages: 60, dropped: 0, topics: 2, seed: 3 });
      const end = Date.now() + 10_000;
      while (got.length < 60 && Date.now() < end) await new Promise((ok) => setTimeout(ok, 20));
      expect(got).toHaveLength(60);
      expect(new Set(got)).toEqual(new Set([`${prefix}/device-001`, `${prefix}/device-002`]));

      const down = await run(
        process.execPath,
        cliArgs('simulate', '--broker', 'mqtt://127.0.0.1:1', '--duration', '1h'),
        {
          cwd: work,
          env,
        },
      ).catch((e: { code: number; stderr: string }) => e);
      expect((down as { code: number }).code).toBe(1);
      expect((down as { stderr: string }).stderr).toMatch(
        /Could not connect to the MQTT broker at mqtt:\/\/127\.0\.0\.1:1/,
      );
    } finally {
      await sub.endAsync();
    }
  });
});
