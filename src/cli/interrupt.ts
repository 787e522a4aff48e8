import { constants } from 'node:os';
import { TsiotError } from '../core/errors.js';

/** Exit code of a command stopped by a signal, as shells report it: 128 + the signal's number (130 for Ctrl-C). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/**
 * Ctrl-C (SIGINT) and SIGTERM during a long command: the first aborts the
 * returned signal, with a `cancelled` TsiotError naming the signal as its
 * reason, so the command stops and cleans up; a second one exits at once,
 * leaving whatever the cleanup had not done yet.
 */
export function watchInterrupts(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write(`tsiot: ${signal} again; exiting before the cleanup finished\n`);
      process.exit(signalExitCode(signal));
    }
    controller.abort(new TsiotError('cancelled', `interrupted (${signal})`, { details: { signal } }));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
