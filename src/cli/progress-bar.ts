import type { Progress } from '../core/types.js';

/** Seconds between progress lines when stderr is not a terminal (env TSIOT_PROGRESS_SECONDS). */
function lineInterval(): number {
  const s = Number(process.env.TSIOT_PROGRESS_SECONDS);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : 5000;
}

/**
 * Progress on stderr: on a terminal a one-line bar redrawn in place; otherwise
 * (a log, a pipe, CI) a plain line at most every few seconds, and one at every
 * new stage (the message's first word), so long fits are never silent.
 */
export function createProgressBar(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): { update(p: Progress): void; done(): void } {
  const frac = (p: Progress) => (p.total > 0 ? Math.min(1, p.done / p.total) : 0);
  if (!stream.isTTY) {
    const every = lineInterval();
    let lastAt = -Infinity;
    let lastStage: string | undefined;
    return {
      update(p) {
        const stage = p.message?.split(/[\s:(]/, 1)[0];
        const now = performance.now();
        if (now - lastAt < every && stage === lastStage) return;
        lastAt = now;
        lastStage = stage;
        stream.write(`${label}: ${Math.floor(frac(p) * 100)}%${p.message ? ` ${p.message}` : ''}\n`);
      },
      done() {},
    };
  }
  let last = -1;
  const width = 30;
  return {
    update(p) {
      const pct = Math.floor(frac(p) * 100);
      if (pct === last) return;
      last = pct;
      const filled = Math.round(frac(p) * width);
      stream.write(
        `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}%${p.message ? ` ${p.message}` : ''}`,
      );
    },
    done() {
      if (last >= 0) stream.write('\n');
    },
  };
}
