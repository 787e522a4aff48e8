/**
 * Running count, mean, variance, skewness, kurtosis, min and max in O(1)
 * memory (Welford's update extended to the third and fourth central moments,
 * after Terriberry). Non-finite values are ignored by the caller.
 */
export class RunningMoments {
  n = 0;
  mean = 0;
  private m2 = 0;
  private m3 = 0;
  private m4 = 0;
  min = Infinity;
  max = -Infinity;

  push(x: number): void {
    const n1 = this.n;
    const n = ++this.n;
    const delta = x - this.mean;
    const dn = delta / n;
    const dn2 = dn * dn;
    const t1 = delta * dn * n1;
    this.mean += dn;
    this.m4 += t1 * dn2 * (n * n - 3 * n + 3) + 6 * dn2 * this.m2 - 4 * dn * this.m3;
    this.m3 += t1 * dn * (n - 2) - 3 * dn * this.m2;
    this.m2 += t1;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
  }

  /** Sample variance (n - 1); 0 below two values. */
  get variance(): number {
    return this.n > 1 ? this.m2 / (this.n - 1) : 0;
  }

  get std(): number {
    return Math.sqrt(this.variance);
  }

  /** Adjusted Fisher–Pearson skewness (as the batch statistics); null below 3 values or without variance. */
  get skewness(): number | null {
    const n = this.n;
    if (n < 3 || !(this.m2 > 0)) return null;
    const g1 = (Math.sqrt(n) * this.m3) / this.m2 ** 1.5;
    return (g1 * Math.sqrt(n * (n - 1))) / (n - 2);
  }

  /** Unbiased excess kurtosis (as the batch statistics); null below 4 values or without variance. */
  get kurtosis(): number | null {
    const n = this.n;
    if (n < 4 || !(this.m2 > 0)) return null;
    const g2 = (n * this.m4) / (this.m2 * this.m2) - 3;
    return (((n + 1) * g2 + 6) * (n - 1)) / ((n - 2) * (n - 3));
  }

  /** Numbers held, for memory accounting. */
  get stateSize(): number {
    return 7;
  }
}
