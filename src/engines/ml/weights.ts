/** Serialisation of float32 weights to JSON-safe base64 and back. */

export interface SavedTensor {
  name: string;
  shape: number[];
  /** Little-endian float32 values, base64. */
  data: string;
}

export function encodeFloat32(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

export function decodeFloat32(data: string): Float32Array {
  const buf = Buffer.from(data, 'base64');
  const out = new Float32Array(buf.byteLength / 4);
  new Uint8Array(out.buffer).set(buf);
  return out;
}
