/**
 * Running autocorrelation at lags 1..L in O(L) memory. It keeps the sums of
 * lagged products, the first L values and the last L values, which is enough
 * to compute the usual estimator r_k = Σ (x_t - x̄)(x_{t+k} - x̄) / Σ (x_t - x̄)²
 * exactly at any time. Values are shifted by the first one seen to limit
 * cancellation. Missing values are skipped (the series is read as if they
 * were not there).
 */
export class RunningAcf {
  private readonly head: Float64Array;
  private readonly ring: Float64Array;
  private readonly lagged: Float64Array;
  private n = 0;
  private sum = 0;
  private sumSq = 0;
  private shift = NaN;

  constructor(readonly lags: number) {
    this.head = new Float64Array(lags);
    this.ring = new Float64Array(lags);
    this.lagged = new Float64Array(lags + 1);
  }

  push(value: number): void {
    if (Number.isNaN(this.shift)) this.shift = value;
    const x = value - this.shift;
    const L = this.lags;
    const n = this.n;
    for (let k = 1; k <= L && k <= n; k++) this.lagged[k]! += x * this.ring[(n - k) % L]!;
    if (n < L) this.head[n] = x;
    this.ring[n % L] = x;
    this.n = n + 1;
    this.sum += x;
    this.sumSq += x * x;
  }

  /** r_1..r_L (index 0 holds 1), or null with too few values or no variance. */
  values(): Float64Array | null {
    const n = this.n;
    const L = this.lags;
    if (n < L + 2) return null;
    const m = this.sum / n;
    const c0 = this.sumSq - n * m * m;
    if (!(c0 > 1e-12 * this.sumSq) || !(c0 > 0)) return null;
    const out = new Float64Array(L + 1);
    out[0] = 1;
    let headSum = 0;
    let tailSum = 0;
    for (let k = 1; k <= L; k++) {
      headSum += this.head[k - 1]!;
      tailSum += this.ring[(n - k) % L]!;
      // Σ_{t=k}^{n-1} x_t = sum - first k values; Σ_{t=0}^{n-1-k} x_t = sum - last k values
      const ck = this.lagged[k]! - m * (this.sum - headSum + this.sum - tailSum) + (n - k) * m * m;
      out[k] = ck / c0;
    }
    return out;
  }

  /** Numbers held, for memory accounting. */
  get stateSize(): number {
    return this.head.length + this.ring.length + this.lagged.length + 4;
  }
}
