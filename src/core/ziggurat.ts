/**
 * Tables of the Marsaglia–Tsang ziggurat for the standard normal, for a
 * power-of-two number of layers. r is where the tail starts and v the area of
 * each layer (3.442619855899 / 9.91256303526217e-3 for 128 layers,
 * 3.6541528853610088 / 0.00492867323399 for 256). A draw takes a signed 32-bit
 * integer hz and layer iz = hz & (layers - 1): when |hz| < kn[iz] the value is
 * hz · wn[iz]; otherwise the slow path uses fn and the tail.
 */
export interface ZigguratTables {
  r: number;
  kn: Int32Array;
  wn: Float64Array;
  fn: Float64Array;
}

export function zigguratTables(layers: number, r: number, v: number): ZigguratTables {
  const last = layers - 1;
  const kn = new Int32Array(layers);
  const wn = new Float64Array(layers);
  const fn = new Float64Array(layers);
  const m1 = 2147483648.0;
  let dn = r;
  let tn = dn;
  const q = v / Math.exp(-0.5 * dn * dn);
  kn[0] = Math.floor((dn / q) * m1);
  kn[1] = 0;
  wn[0] = q / m1;
  wn[last] = dn / m1;
  fn[0] = 1;
  fn[last] = Math.exp(-0.5 * dn * dn);
  for (let i = last - 1; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(v / dn + Math.exp(-0.5 * dn * dn)));
    kn[i + 1] = Math.floor((dn / tn) * m1);
    tn = dn;
    fn[i] = Math.exp(-0.5 * dn * dn);
    wn[i] = dn / m1;
  }
  return { r, kn, wn, fn };
}
