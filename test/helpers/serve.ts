import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliArgs } from './cli.js';

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  dataDir: string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** The JSON log lines written so far. */
  logLines(): Record<string, unknown>[];
  /** Resolves with the exit code (or signal) once the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, wait for the exit, remove the data folder. */
  stop(): Promise<void>;
}

/** How startServe runs node: `nodeArgs` before the CLI (e.g. --cpu-prof, which NODE_OPTIONS refuses), `cli` a built entry point instead of the source. */
export interface ServeCommand {
  nodeArgs?: string[];
  cli?: string;
}

/**
 * A real `tsiot serve` child process (from source unless `command.cli` names
 * a built one) on a free loopback port, with its own data folder; resolves
 * once it listens.
 */
export async function startServe(
  env: Record<string, string> = {},
  args: string[] = [],
  timeoutMs = 45_000,
  command: ServeCommand = {},
): Promise<ServeProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tsiot-serve-'));
  const serve = ['serve', '--port', '0', ...args];
  const cli = command.cli ? [command.cli, ...serve] : cliArgs(...serve);
  const child = spawn(process.execPath, [...(command.nodeArgs ?? []), ...cli], {
    env: {
      ...process.env,
      TSIOT_DATA_DIR: dataDir,
      TSIOT_STORAGE: 'duckdb://:memory:',
      TSIOT_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    err += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`tsiot serve did not start in ${timeoutMs} ms:\n${err}`)),
      timeoutMs,
    );
    const onData = () => {
      const m = /listening on (http:\/\/[^\s]+) —/.exec(err);
      if (m) {
        clearTimeout(timer);
        child.stderr!.off('data', onData);
        resolve(m[1]!);
      }
    };
    child.stderr!.on('data', onData);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`tsiot serve exited (${code}) before listening:\n${err}`));
    });
  });
  return {
    url,
    child,
    dataDir,
    stderr: () => err,
    logLines: () =>
      err
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
