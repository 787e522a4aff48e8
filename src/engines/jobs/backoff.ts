/** Delay before retry number `retry` (1 = first retry): base, 2×base, 4×base … capped at one hour. */
export function backoffDelay(retry: number, baseMs: number): number {
  return Math.min(3_600_000, baseMs * 2 ** Math.max(0, retry - 1));
}
