import { z } from 'zod';
import { TsiotError } from '../src/core/errors.js';
import { SeriesIdSchema } from '../src/core/schemas.js';
import { checkKAnonymity, enforceKAnonymity, type RecordRow } from '../src/engines/privacy/kanon.js';
import { defineTool } from '../src/registry/tool.js';

const ValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const HierarchySchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('interval'), widths: z.array(z.number().positive()).min(1).max(16) }).strict(),
    z.object({ type: z.literal('mask'), maxMasked: z.number().int().positive().optional() }).strict(),
    z.object({ type: z.literal('prefix'), lengths: z.array(z.number().int().min(0)).min(1).max(16) }).strict(),
    z
      .object({
        type: z.literal('time'),
        levels: z
          .array(z.enum(['hour', 'day', 'month', 'year']))
          .min(1)
          .optional(),
      })
      .strict(),
    z.object({ type: z.literal('suppress') }).strict(),
  ])
  .describe(
    'How to coarsen one quasi-identifier: {"type": "interval", "widths": [5, 10]}; {"type": "mask"} (last characters → "*"); {"type": "prefix", "lengths": [5, 3]} (geohash cells); {"type": "time"}; {"type": "suppress"}.',
  );

const ClassSchema = z.object({
  values: z.record(z.string(), ValueSchema),
  size: z.number(),
  distinctSensitive: z.number().optional(),
});

const CheckSchema = z.object({
  k: z.number(),
  l: z.number().optional(),
  records: z.number(),
  classes: z.number(),
  smallestClass: z.number(),
  leastDiverse: z.number().optional(),
  satisfied: z.boolean(),
  violating: z.array(ClassSchema).describe('Classes below k (or l), smallest first, at most 50.'),
  violatingRecords: z.number(),
});

/** Most records one call takes. */
const MAX_RECORDS = 100_000;

export const checkKAnonymityTool = defineTool({
  name: 'check_k_anonymity',
  title: 'Check or enforce k-anonymity and l-diversity',
  description:
    'Check (and with enforce, achieve by generalising) k-anonymity and l-diversity of device attribute records over named quasi-identifiers. Example: {"records": [{"site": "plant-1", "zip": "13053"}], "quasiIdentifiers": ["site", "zip"], "k": 2}',
  details: [
    'Check whether records of device attributes (site, model, firmware, location cell …) are k-anonymous over the quasi-identifiers named: the smallest equivalence class and the groups below k; with sensitive and l, l-diversity too.',
    'With enforce, generalise the quasi-identifiers along the hierarchies given (interval, mask, prefix, time, suppress — a quasi-identifier without one can only be suppressed to "*") and suppress at most maxSuppression of the records, choosing the least information loss; returns the anonymised records, the levels used and the loss.',
    'Records come inline, or from stored series (each series one record: its deviceId, tags and attributes). Deterministic; no budget is spent (k-anonymity is not differential privacy).',
    'Example: {"records": [{"site": "plant-1", "model": "TX100", "zip": "13053"}, …], "quasiIdentifiers": ["site", "zip"], "k": 5, "enforce": {"hierarchies": {"zip": {"type": "mask"}}}}',
  ].join(' '),
  inputSchema: z
    .object({
      records: z
        .array(z.record(z.string(), ValueSchema))
        .min(1)
        .max(MAX_RECORDS)
        .optional()
        .describe('Inline records, one object per device.'),
      seriesIds: z
        .array(SeriesIdSchema)
        .min(1)
        .max(10_000)
        .optional()
        .describe('Instead of records: stored series, whose deviceId, tags and attributes form one record each.'),
      quasiIdentifiers: z.array(z.string().min(1)).min(1).max(16).describe('Attributes an attacker may know.'),
      k: z.number().int().min(2).max(10_000).describe('Smallest class size wanted.'),
      sensitive: z.string().min(1).optional().describe('A sensitive attribute, for l-diversity.'),
      l: z.number().int().min(2).max(1000).optional().describe('Fewest distinct sensitive values per class.'),
      enforce: z
        .object({
          hierarchies: z.record(z.string(), HierarchySchema).default({}),
          maxSuppression: z.number().min(0).max(1).default(0.05).describe('Share of records that may be removed.'),
        })
        .strict()
        .optional()
        .describe('Generalise and suppress until the check passes.'),
    })
    .strict(),
  outputSchema: z.object({
    check: CheckSchema.describe('The check of the input (or, with enforce, of the anonymised records).'),
    anonymized: z
      .object({
        records: z.array(z.record(z.string(), ValueSchema)),
        levels: z.record(z.string(), z.number()),
        heights: z.record(z.string(), z.number()),
        suppressed: z.number(),
        precisionLoss: z.number().describe('Mean share of each hierarchy climbed (0 none, 1 all "*").'),
        discernibility: z.number(),
        nodesSearched: z.number(),
        exhaustive: z.boolean(),
      })
      .optional(),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  example: {
    records: [
      { site: 'plant-1', zip: '13053' },
      { site: 'plant-1', zip: '13068' },
    ],
    quasiIdentifiers: ['site', 'zip'],
    k: 2,
  },
  routes: [{ method: 'POST', path: '/v1/privacy/k-anonymity' }],
  async handler(input, ctx) {
    if (!input.records === !input.seriesIds)
      throw new TsiotError('invalid_input', 'records: give either records or seriesIds', {
        details: { field: 'records', example: [{ site: 'plant-1', model: 'TX100' }] },
      });
    let rows: RecordRow[] = input.records ?? [];
    if (input.seriesIds) {
      rows = [];
      for (const id of input.seriesIds) {
        const s = await ctx.engines.storage.describe(id);
        if (!s)
          throw new TsiotError('not_found', `seriesIds: series "${id}" does not exist`, {
            details: { field: 'seriesIds', id },
          });
        const m = s.metadata;
        rows.push({
          ...(m.deviceId ? { deviceId: m.deviceId } : {}),
          ...m.tags,
          ...((m.attributes as Record<string, RecordRow[string]>) ?? {}),
        });
      }
    }
    if (input.l !== undefined && input.sensitive === undefined)
      throw new TsiotError('invalid_input', 'sensitive: required with l (the attribute whose values must be diverse)', {
        details: { field: 'sensitive' },
      });
    if (!input.enforce) {
      const check = checkKAnonymity(rows, input.quasiIdentifiers, input.k, input.sensitive, input.l);
      return {
        structured: { check },
        summary: `${check.records} records in ${check.classes} classes; smallest ${check.smallestClass}: ${check.satisfied ? `${input.k}-anonymous` : `not ${input.k}-anonymous (${check.violatingRecords} records in ${check.violating.length}${check.violating.length === 50 ? '+' : ''} classes below)`}.`,
      };
    }
    const r = enforceKAnonymity(rows, input.quasiIdentifiers, {
      k: input.k,
      hierarchies: input.enforce.hierarchies,
      maxSuppression: input.enforce.maxSuppression,
      ...(input.sensitive !== undefined ? { sensitive: input.sensitive } : {}),
      ...(input.l !== undefined ? { l: input.l } : {}),
    });
    const { check, ...anonymized } = r;
    return {
      structured: { check, anonymized },
      summary: `${input.k}-anonymous after generalising ${Object.entries(r.levels)
        .map(([q, l]) => `${q} to level ${l}/${r.heights[q]}`)
        .join(
          ', ',
        )} and suppressing ${r.suppressed} of ${rows.length} records (precision loss ${r.precisionLoss.toFixed(3)}).`,
    };
  },
});
