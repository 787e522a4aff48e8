/**
 * Closed row intervals on one line (a device's column, or a whole device),
 * kept sorted by start (they may overlap), with uniform placement of a new
 * interval in the free room.
 */
export class IntervalSet {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  get size(): number {
    return this.starts.length;
  }

  /** The intervals as [start, end] pairs, in order. */
  entries(): Array<[number, number]> {
    return this.starts.map((s, i) => [s, this.ends[i]!]);
  }

  add(start: number, end: number): void {
    let i = this.starts.length;
    while (i > 0 && this.starts[i - 1]! > start) i--;
    this.starts.splice(i, 0, start);
    this.ends.splice(i, 0, end);
  }

  /** Add every interval of another set. */
  addAll(other: IntervalSet): void {
    for (const [s, e] of other.entries()) this.add(s, e);
  }

  /**
   * A start p in [lo, hi − len + 1], chosen uniformly (by u in [0, 1)) among
   * those where [p, p + len − 1] keeps at least `margin` free rows to every
   * interval; -1 when there is none.
   */
  place(lo: number, hi: number, len: number, margin: number, u: number): number {
    const total = this.walk(lo, hi, len, margin, -1);
    if (total <= 0) return -1;
    return this.walk(lo, hi, len, margin, Math.min(total - 1, Math.floor(u * total)));
  }

  /** Count the candidate starts (target < 0), or return the target-th one. */
  private walk(lo: number, hi: number, len: number, margin: number, target: number): number {
    let count = 0;
    let cursor = lo;
    const free = (segEnd: number): number => {
      const n = segEnd - len + 1 - cursor + 1;
      if (n <= 0) return -1;
      if (target >= 0 && target < count + n) return cursor + (target - count);
      count += n;
      return -1;
    };
    for (let i = 0; i < this.starts.length && cursor <= hi; i++) {
      const blockedFrom = this.starts[i]! - margin;
      const segEnd = Math.min(hi, blockedFrom - 1);
      if (segEnd >= cursor) {
        const hit = free(segEnd);
        if (hit >= 0) return hit;
      }
      cursor = Math.max(cursor, this.ends[i]! + margin + 1);
    }
    if (cursor <= hi) {
      const hit = free(hi);
      if (hit >= 0) return hit;
    }
    return target >= 0 ? -1 : count;
  }
}
