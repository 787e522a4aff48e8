import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Logs go to stderr: stdout carries the MCP stdio protocol. Fields that may
 * hold secrets are redacted wherever they appear.
 */
export function createLogger(level: string = 'info'): Logger {
  return pino(
    {
      level,
      base: { service: 'tsiot' },
      redact: {
        paths: [
          'password',
          '*.password',
          'token',
          '*.token',
          'authorization',
          '*.authorization',
          'headers.authorization',
          'secret',
          '*.secret',
          'url',
          '*.url',
          'connectionString',
          '*.connectionString',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: 2, sync: false }),
  );
}
