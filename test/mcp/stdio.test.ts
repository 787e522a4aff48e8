import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { cliArgs, repoRoot as root } from '../helpers/cli.js';
import { describeToolSuite } from './tool-suite.js';

describeToolSuite('stdio (a spawned `tsiot mcp` process)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tsiot-stdio-'));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: cliArgs('mcp', '--data-dir', dataDir),
    cwd: root,
    env: { ...(process.env as Record<string, string>), TSIOT_LOG_LEVEL: 'warn' },
    stderr: 'inherit',
  });
  const client = new Client({ name: 'tsiot-stdio-test', version: '0.0.0' });
  await client.connect(transport);
  return {
    client,
    async close() {
      await client.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});
