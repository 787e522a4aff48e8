/**
 * The dense products the mixture spends its time in, on row-major
 * Float64Arrays. Each is written as dot products of rows, four rows of one
 * operand against two of the other at a time, so eight sums stay in
 * registers and every value loaded is used several times: about three to
 * four times the speed of one dot product at a time on this machine (measured
 * in bench/mixture-fit.ts's stage times). Plain loops, so results are
 * bit-for-bit the same on every run.
 */

/**
 * out[i·m + j] = Σ_k a[i·K + k] · b[j·K + k] for i < n, j < m: the rows of `a`
 * against the rows of `b`. With `lowerB`, `b` is lower-triangular (square, its
 * upper part stored as zeros) and each row is read only up to its diagonal
 * (rounded up to the pair of rows computed together).
 */
export function rowProducts(
  a: Float64Array,
  n: number,
  b: Float64Array,
  m: number,
  K: number,
  out: Float64Array,
  lowerB = false,
): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const a0 = i * K;
    const a1 = a0 + K;
    const a2 = a1 + K;
    const a3 = a2 + K;
    let j = 0;
    for (; j + 1 < m; j += 2) {
      const b0 = j * K;
      const b1 = b0 + K;
      const len = lowerB ? j + 2 : K;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      let s20 = 0;
      let s21 = 0;
      let s30 = 0;
      let s31 = 0;
      for (let k = 0; k < len; k++) {
        const y0 = b[b0 + k]!;
        const y1 = b[b1 + k]!;
        let x = a[a0 + k]!;
        s00 += x * y0;
        s01 += x * y1;
        x = a[a1 + k]!;
        s10 += x * y0;
        s11 += x * y1;
        x = a[a2 + k]!;
        s20 += x * y0;
        s21 += x * y1;
        x = a[a3 + k]!;
        s30 += x * y0;
        s31 += x * y1;
      }
      let o = i * m + j;
      out[o] = s00;
      out[o + 1] = s01;
      o += m;
      out[o] = s10;
      out[o + 1] = s11;
      o += m;
      out[o] = s20;
      out[o + 1] = s21;
      o += m;
      out[o] = s30;
      out[o + 1] = s31;
    }
    for (; j < m; j++) {
      const b0 = j * K;
      const len = lowerB ? j + 1 : K;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < len; k++) {
        const y = b[b0 + k]!;
        s0 += a[a0 + k]! * y;
        s1 += a[a1 + k]! * y;
        s2 += a[a2 + k]! * y;
        s3 += a[a3 + k]! * y;
      }
      out[i * m + j] = s0;
      out[(i + 1) * m + j] = s1;
      out[(i + 2) * m + j] = s2;
      out[(i + 3) * m + j] = s3;
    }
  }
  for (; i < n; i++) {
    const a0 = i * K;
    for (let j = 0; j < m; j++) {
      const b0 = j * K;
      const len = lowerB ? j + 1 : K;
      let s = 0;
      for (let k = 0; k < len; k++) s += a[a0 + k]! * b[b0 + k]!;
      out[i * m + j] = s;
    }
  }
}

/**
 * out[r·d + c] += Σ_i t[r·len + i] · t[c·len + i] for r, c < d: the Gram
 * matrix of the d rows of `t` (each `len` long), added to `out` and kept
 * symmetric. Only the lower triangle is computed.
 */
export function addGram(t: Float64Array, d: number, len: number, out: Float64Array): void {
  let r = 0;
  for (; r + 3 < d; r += 4) {
    const r0 = r * len;
    const r1 = r0 + len;
    const r2 = r1 + len;
    const r3 = r2 + len;
    // Columns c ≤ r + 3 in pairs; the pairs past a row's diagonal are computed and then not stored.
    for (let c = 0; c < r + 4; c += 2) {
      const c0 = c * len;
      const c1 = c + 1 < d ? c0 + len : c0;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      let s20 = 0;
      let s21 = 0;
      let s30 = 0;
      let s31 = 0;
      for (let i = 0; i < len; i++) {
        const y0 = t[c0 + i]!;
        const y1 = t[c1 + i]!;
        let x = t[r0 + i]!;
        s00 += x * y0;
        s01 += x * y1;
        x = t[r1 + i]!;
        s10 += x * y0;
        s11 += x * y1;
        x = t[r2 + i]!;
        s20 += x * y0;
        s21 += x * y1;
        x = t[r3 + i]!;
        s30 += x * y0;
        s31 += x * y1;
      }
      const sums = [s00, s01, s10, s11, s20, s21, s30, s31];
      for (let dr = 0; dr < 4; dr++) {
        for (let dc = 0; dc < 2; dc++) {
          const row = r + dr;
          const col = c + dc;
          if (col > row || col >= d) continue;
          const v = sums[dr * 2 + dc]!;
          out[row * d + col]! += v;
          if (col !== row) out[col * d + row]! += v;
        }
      }
    }
  }
  for (; r < d; r++) {
    const r0 = r * len;
    for (let c = 0; c <= r; c++) {
      const c0 = c * len;
      let s = 0;
      for (let i = 0; i < len; i++) s += t[r0 + i]! * t[c0 + i]!;
      out[r * d + c]! += s;
      if (c !== r) out[c * d + r]! += s;
    }
  }
}

/** The inverse of a lower-triangular n×n matrix (row-major), itself lower-triangular (zeros stored above). */
export function invertLower(l: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  const diag = (i: number) => Math.max(l[i * n + i]!, 1e-300);
  for (let c = 0; c < n; c++) {
    inv[c * n + c] = 1 / diag(c);
    for (let r = c + 1; r < n; r++) {
      let s = 0;
      for (let k = c; k < r; k++) s += l[r * n + k]! * inv[k * n + c]!;
      inv[r * n + c] = -s / diag(r);
    }
  }
  return inv;
}
