/** What a caller may declare about the physics of the data; the rest is learned from it. */
import { z } from 'zod';

const Column = z.string().min(1).max(200);

export const ConstraintsSchema = z
  .object({
    learn: z
      .boolean()
      .default(true)
      .describe(
        'Learn constraints from the data: bounds (observed range widened by `margin`, 0 kept as a floor for never-negative columns, 100 as a ceiling for percentages), whole-number and quantised columns, counters that never go down, angles in degrees. false: only what is declared',
      ),
    margin: z
      .number()
      .min(0)
      .max(1)
      .default(0.05)
      .describe('Learned bounds lie this share of the observed span beyond the observed min and max'),
    bounds: z
      .record(Column, z.object({ min: z.number().optional(), max: z.number().optional() }).strict())
      .optional()
      .describe('Declared bounds per column (sensor limits), e.g. {"humidity": {"min": 0, "max": 100}}'),
    nonNegative: z.array(Column).max(1000).optional().describe('Columns that are never below 0'),
    integer: z.array(Column).max(1000).optional().describe('Columns of whole numbers (counts, states)'),
    quantum: z
      .record(Column, z.number().positive())
      .optional()
      .describe('Columns reported in steps, e.g. {"temperature": 0.1}'),
    counters: z.array(Column).max(1000).optional().describe('Counters that never go down (energy meters, totals)'),
    circular: z.array(Column).max(1000).optional().describe('Angles in degrees (0–360, 360 = 0), e.g. wind direction'),
    compositions: z
      .array(
        z
          .object({
            columns: z.array(Column).min(2).max(100),
            total: z.number().positive().describe('What the columns add up to, e.g. 100 for percentages'),
          })
          .strict(),
      )
      .max(100)
      .optional()
      .describe('Groups of non-negative columns that add up to a whole, e.g. an energy mix in percent'),
    free: z.array(Column).max(1000).optional().describe('Columns to leave unconstrained'),
  })
  .strict();

export type ConstraintsInput = z.input<typeof ConstraintsSchema>;
export type Constraints = z.output<typeof ConstraintsSchema>;

/**
 * The bounded maps blend the identity with a logit (or log): y = (u − ½) + λ·logit(u) with u the
 * position in [lo, hi]. Far from a bound the learner sees the data almost as they are (a pure logit
 * would stretch a bounded, roughly uniform marginal into heavy tails that Gaussian learners fit
 * badly); near a bound the logit term takes over and sends it to infinity, so every finite y maps
 * back inside. λ = 0 is the identity; large λ approaches a pure logit.
 */
export const DEFAULT_BLEND = 0.05;
