/**
 * DoppelGANger's static attributes: discovered from the entities'
 * `metadata.attributes`, encoded for the networks (categorical → one-hot,
 * numeric → min-max scaled to [0, 1]) and decoded back; requested attribute
 * values for conditional sampling are checked here.
 */
import { TsiotError } from '../../../core/errors.js';
import type { TimeSeries } from '../../../core/types.js';
import type { AttributeValue } from '../learner.js';

export type AttributeSpec =
  | { name: string; kind: 'categorical'; values: AttributeValue[] }
  | {
      name: string;
      kind: 'numeric';
      min: number;
      max: number /** Every training value was a whole number: samples are rounded. */;
      integer: boolean;
    };

/** Width of one attribute in the encoded vector. */
export function attributeWidth(spec: AttributeSpec): number {
  return spec.kind === 'categorical' ? spec.values.length : 1;
}

/** Total encoded width of all attributes. */
export function encodedWidth(specs: readonly AttributeSpec[]): number {
  return specs.reduce((s, a) => s + attributeWidth(a), 0);
}

/** Attributes of the entities, in name order; every entity must carry every attribute. */
export function discoverAttributes(entities: readonly TimeSeries[]): AttributeSpec[] {
  const names = [...new Set(entities.flatMap((e) => Object.keys(e.metadata.attributes ?? {})))].sort();
  return names.map((name): AttributeSpec => {
    const values = entities.map((e, i) => {
      const v = e.metadata.attributes?.[name];
      if (v === undefined || v === null || (typeof v === 'number' && !Number.isFinite(v))) {
        throw new TsiotError(
          'invalid_input',
          `data[${i}] ("${e.name || e.id || i}"): attribute "${name}" is missing; every entity needs the same attributes`,
          {
            details: { field: `data[${i}].metadata.attributes.${name}`, attribute: name },
            hint: `Give each series metadata.attributes.${name}, or drop the attribute from all of them.`,
          },
        );
      }
      return v;
    });
    if (values.every((v) => typeof v === 'number')) {
      const nums = values as number[];
      return {
        name,
        kind: 'numeric',
        min: Math.min(...nums),
        max: Math.max(...nums),
        integer: nums.every(Number.isInteger),
      };
    }
    const distinct = [...new Map(values.map((v) => [`${typeof v}:${String(v)}`, v])).values()];
    distinct.sort((a, b) => String(a).localeCompare(String(b)));
    return { name, kind: 'categorical', values: distinct };
  });
}

function categoryIndex(spec: Extract<AttributeSpec, { kind: 'categorical' }>, v: AttributeValue): number {
  return spec.values.findIndex((c) => c === v || (typeof v !== typeof c && String(c) === String(v)));
}

/** Write the encoding of one entity's attributes into `into` at `offset`. */
export function encodeAttributes(
  specs: readonly AttributeSpec[],
  attrs: Record<string, AttributeValue>,
  into: Float32Array,
  offset: number,
): void {
  let at = offset;
  for (const s of specs) {
    const v = attrs[s.name]!;
    if (s.kind === 'categorical') {
      into.fill(0, at, at + s.values.length);
      into[at + categoryIndex(s, v)] = 1;
      at += s.values.length;
    } else {
      into[at++] = s.max > s.min ? ((v as number) - s.min) / (s.max - s.min) : 0.5;
    }
  }
}

/** Decode one entity's encoded attributes (argmax for categories). */
export function decodeAttributes(
  specs: readonly AttributeSpec[],
  enc: Float32Array,
  offset: number,
): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  let at = offset;
  for (const s of specs) {
    if (s.kind === 'categorical') {
      let best = 0;
      for (let c = 1; c < s.values.length; c++) if (enc[at + c]! > enc[at + best]!) best = c;
      out[s.name] = s.values[best]!;
      at += s.values.length;
    } else {
      const v = s.min + Math.min(1, Math.max(0, enc[at++]!)) * (s.max - s.min);
      out[s.name] = s.integer ? Math.round(v) : v;
    }
  }
  return out;
}

/** Check requested attribute values against what the model learned; returns them normalised to the learned types. */
export function checkRequested(
  specs: readonly AttributeSpec[],
  requested: Record<string, unknown>,
): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [name, v] of Object.entries(requested)) {
    const spec = specs.find((s) => s.name === name);
    if (!spec) {
      const known = specs.map((s) => `"${s.name}"`).join(', ') || 'none';
      throw new TsiotError(
        'invalid_input',
        `attributes.${name}: the model has no attribute "${name}"; its attributes are ${known}`,
        {
          details: { field: `attributes.${name}`, allowed: specs.map((s) => s.name) },
        },
      );
    }
    if (spec.kind === 'categorical') {
      const i = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? categoryIndex(spec, v) : -1;
      if (i < 0) {
        throw new TsiotError(
          'invalid_input',
          `attributes.${name}: ${JSON.stringify(v)} is not a value the model learned; allowed values are ${spec.values.map((x) => JSON.stringify(x)).join(', ')}`,
          {
            details: { field: `attributes.${name}`, value: v, allowed: spec.values },
            hint: `e.g. {"${name}": ${JSON.stringify(spec.values[0])}}`,
          },
        );
      }
      out[name] = spec.values[i]!;
    } else {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < spec.min || v > spec.max) {
        throw new TsiotError(
          'invalid_input',
          `attributes.${name}: expected a number from ${spec.min} to ${spec.max} (the range the model learned), got ${JSON.stringify(v)}`,
          {
            details: { field: `attributes.${name}`, value: v, min: spec.min, max: spec.max },
            hint: `e.g. {"${name}": ${spec.min}}`,
          },
        );
      }
      out[name] = v;
    }
  }
  return out;
}
