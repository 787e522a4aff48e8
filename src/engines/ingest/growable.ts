/** Append-only typed arrays for columns read row by row, so a large file never becomes arrays of boxed values. */

export class GrowableF64 {
  private data = new Float64Array(1024);
  length = 0;

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }

  at(i: number): number {
    return this.data[i]!;
  }

  /** The values pushed, as an array of their own. */
  toArray(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

export class GrowableI32 {
  private data = new Int32Array(1024);
  length = 0;

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }

  at(i: number): number {
    return this.data[i]!;
  }

  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}
