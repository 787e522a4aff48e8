import { z } from 'zod';
import { FitPrivacySchema } from '../src/engines/privacy/learners/private-mixture.js';
import { PrivacyUnitSchema } from '../src/engines/privacy/units.js';

/** Shared pieces of the privacy tools' schemas. */

export const EpsilonSchema = z
  .number()
  .positive()
  .max(100)
  .describe('Privacy loss ε of this release (> 0; ≤ 1 is strong, above 5 weak). Charged to the dataset budget.');

export const DeltaSchema = z
  .number()
  .positive()
  .lt(1)
  .describe('δ for the Gaussian mechanism (e.g. 1e-6; keep it below 1/rows). Not used by Laplace.');

export const UnitSchema = PrivacyUnitSchema.describe(
  'The privacy unit, stated in the release: {"kind": "event"} one row; {"kind": "window", "windowRows": 24}; {"kind": "device", "maxRowsPerDevice": 60, "maxPartitionsPerDevice": 24} (contribution bounds enforced before noise).',
);

export const DatasetSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,200}$/)
  .describe('The dataset whose budget pays for the release; default: the series id (required for several series).');

export const StatementSchema = z
  .object({
    mechanism: z.string(),
    epsilon: z.number(),
    delta: z.number(),
    rho: z.number().describe('zCDP ρ of the release'),
    unit: z.string().describe('The privacy unit protected'),
    neighbouring: z.string(),
    randomness: z.string(),
    dataset: z.string(),
    releaseId: z.string(),
    budget: z.object({
      tenant: z.string(),
      dataset: z.string(),
      budget: z.object({ epsilon: z.number(), delta: z.number() }),
      spent: z.object({ epsilon: z.number(), delta: z.number(), rho: z.number(), accounting: z.string() }),
      remaining: z.object({ epsilon: z.number(), delta: z.number() }),
      releases: z.number(),
    }),
    notices: z.array(z.string()),
  })
  .describe('The guarantee of this release: mechanism, ε, δ, ρ, the privacy unit, and the budget left.');

export const PrivateFitSchema = FitPrivacySchema.extend({
  dataset: DatasetSchema.optional(),
})
  .strict()
  .describe(
    'Fit with differential privacy (generator "mixture", the default, or "statistical"): {"epsilon": 3, "delta": 1e-5, "unit": {"kind": "window"}, "bounds": {"temperature": {"lower": -20, "upper": 50}}}; "statistical" needs unit {"kind": "event"}, {"kind": "window", "windowRows": 24} or {"kind": "device", "maxRowsPerDevice": 1000} and declared options.periods. The whole ε, δ is charged to the dataset budget before fitting; bounds are required for every column; the model keeps no training rows and records its guarantee.',
  );
