/**
 * P² estimate of one quantile in O(1) memory (Jain & Chlamtac, 1985): five
 * markers whose heights are adjusted by piecewise-parabolic interpolation as
 * values arrive. Exact for the first five values.
 */
export class P2Quantile {
  private readonly q = new Float64Array(5);
  private readonly pos = new Float64Array(5);
  private readonly desired = new Float64Array(5);
  private readonly step: Float64Array;
  private count = 0;

  constructor(readonly p: number) {
    if (!(p > 0 && p < 1)) throw new RangeError(`quantile must lie in (0, 1), got ${p}`);
    this.step = Float64Array.from([0, p / 2, p, (1 + p) / 2, 1]);
  }

  push(x: number): void {
    const q = this.q;
    const pos = this.pos;
    if (this.count < 5) {
      q[this.count++] = x;
      if (this.count === 5) {
        q.sort();
        const p = this.p;
        for (let i = 0; i < 5; i++) pos[i] = i + 1;
        this.desired.set([1, 1 + 2 * p, 1 + 4 * p, 3 + 2 * p, 5]);
      }
      return;
    }
    this.count++;
    let k: number;
    if (x < q[0]!) {
      q[0] = x;
      k = 0;
    } else if (x >= q[4]!) {
      if (x > q[4]!) q[4] = x;
      k = 3;
    } else {
      k = 0;
      while (k < 3 && x >= q[k + 1]!) k++;
    }
    for (let i = k + 1; i < 5; i++) pos[i]!++;
    for (let i = 0; i < 5; i++) this.desired[i]! += this.step[i]!;
    for (let i = 1; i <= 3; i++) {
      const d = this.desired[i]! - pos[i]!;
      if ((d >= 1 && pos[i + 1]! - pos[i]! > 1) || (d <= -1 && pos[i - 1]! - pos[i]! < -1)) {
        const s = d > 0 ? 1 : -1;
        const candidate = this.parabolic(i, s);
        q[i] = q[i - 1]! < candidate && candidate < q[i + 1]! ? candidate : this.linear(i, s);
        pos[i]! += s;
      }
    }
  }

  private parabolic(i: number, d: number): number {
    const q = this.q;
    const n = this.pos;
    return (
      q[i]! +
      (d / (n[i + 1]! - n[i - 1]!)) *
        ((n[i]! - n[i - 1]! + d) * ((q[i + 1]! - q[i]!) / (n[i + 1]! - n[i]!)) +
          (n[i + 1]! - n[i]! - d) * ((q[i]! - q[i - 1]!) / (n[i]! - n[i - 1]!)))
    );
  }

  private linear(i: number, d: number): number {
    return this.q[i]! + (d * (this.q[i + d]! - this.q[i]!)) / (this.pos[i + d]! - this.pos[i]!);
  }

  /** The current estimate; NaN before any value. */
  get value(): number {
    if (this.count === 0) return NaN;
    if (this.count < 5) {
      const s = this.q.slice(0, this.count).sort();
      const h = (this.count - 1) * this.p;
      const lo = Math.floor(h);
      return s[lo]! + (h - lo) * ((s[Math.min(lo + 1, this.count - 1)] ?? s[lo]!) - s[lo]!);
    }
    return this.q[2]!;
  }

  get n(): number {
    return this.count;
  }

  /** Numbers held, for memory accounting. */
  get stateSize(): number {
    return 5 * 4 + 2;
  }
}
