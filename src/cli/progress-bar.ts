import type { Progress } from '../core/types.js';

/** A one-line progress bar on stderr, drawn only when stderr is a terminal. */
export function createProgressBar(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): { update(p: Progress): void; done(): void } {
  if (!stream.isTTY) return { update() {}, done() {} };
  let last = -1;
  const width = 30;
  return {
    update(p) {
      const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
      const pct = Math.floor(frac * 100);
      if (pct === last) return;
      last = pct;
      const filled = Math.round(frac * width);
      stream.write(
        `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}%${p.message ? ` ${p.message}` : ''}`,
      );
    },
    done() {
      if (last >= 0) stream.write('\n');
    },
  };
}
