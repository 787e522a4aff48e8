/**
 * The privacy engine: DP releases charged to the ledger, and the
 * anonymisation tools. Every release follows one order — check the request,
 * fix its whole privacy cost, charge the ledger (refused: nothing spent,
 * nothing drawn), then draw the noise — and states its guarantee.
 */
import { TsiotError, notFound } from '../../core/errors.js';
import type { TimeSeries } from '../../core/types.js';
import type { SeriesStore } from '../series/store.js';
import type { DocumentStore, Storage } from '../storage/storage.js';
import { type AggregateRequest, type AggregateResult, planAggregate, runAggregate } from './aggregate.js';
import {
  type Budget,
  type BudgetStatus,
  epsilonNotices,
  ledgerTenantOf,
  PrivacyLedger,
  type Release,
} from './ledger.js';
import { type PerturbRequest, planPerturbation, runPerturbation } from './perturb.js';
import { parseInput } from '../../core/input-errors.js';
import { PRIVATE_VARIANTS } from './learners/index.js';
import { type FitPrivacy, PrivateMixtureOptionsSchema, plannedGuarantee } from './learners/private-mixture.js';
import {
  PrivateStatisticalOptionsSchema,
  plannedStatisticalGuarantee,
  rowsPerUnit,
} from './learners/private-statistical.js';
import type { PrivacyUnit } from './units.js';

export const RANDOMNESS_NOTE =
  'noise from node:crypto (the operating system CSPRNG); a DP release is not reproducible by seed, by design';

const ADD_REMOVE = 'datasets differing by adding or removing one privacy unit';
const REPLACE =
  'series differing in the values of one privacy unit (row count, timestamps and missing positions are public)';

/** What every release says about itself. */
export interface ReleaseStatement {
  mechanism: string;
  epsilon: number;
  delta: number;
  rho: number;
  unit: string;
  neighbouring: string;
  randomness: string;
  dataset: string;
  releaseId: string;
  budget: BudgetStatus;
  notices: string[];
}

export interface PrivacyEngineOptions {
  documents: DocumentStore;
  storage: Storage;
  series: SeriesStore;
  budget: Budget;
  pseudonymKey?: string;
  /** The caller's tenant: its series only, its ledgers only. Default the default tenant. */
  tenant?: string;
}

export interface AggregateInput extends Omit<AggregateRequest, 'devices' | 'start' | 'end'> {
  seriesIds: string[];
  column: string;
  start?: number;
  end?: number;
  dataset?: string;
  tenant?: string;
}

export interface PerturbInput {
  seriesId: string;
  bounds: Record<string, { lower: number; upper: number }>;
  epsilon: number;
  delta?: number;
  mechanism: 'laplace' | 'gaussian';
  unit: PrivacyUnit;
  dataset?: string;
  tenant?: string;
}

export class PrivacyEngine {
  readonly ledger: PrivacyLedger;
  private readonly key: string | undefined;

  constructor(private readonly options: PrivacyEngineOptions) {
    this.ledger = new PrivacyLedger(options.documents, options.budget, ledgerTenantOf(options.tenant));
    this.key = options.pseudonymKey;
  }

  /** This engine as one tenant uses it: over its view of the series, charging its own ledgers. */
  forTenant(tenant: string, parts: { storage: Storage; series: SeriesStore }): PrivacyEngine {
    return new PrivacyEngine({ ...this.options, ...parts, tenant });
  }

  /** The configured pseudonym key, or a clear refusal (the key itself never leaves the engine). */
  pseudonymKey(): string {
    if (!this.key)
      throw new TsiotError('unsupported', 'anonymize_identifiers needs a pseudonym key, and none is configured', {
        hint: 'Set TSIOT_PSEUDONYM_KEY (at least 16 characters) or privacy.pseudonymKey in the configuration, then restart.',
      });
    return this.key;
  }

  private async load(id: string, columns?: string[]): Promise<TimeSeries> {
    const summary = await this.options.storage.describe(id);
    if (!summary) throw notFound('series', id, 'List stored series with list_series.');
    return this.options.storage.retrieve({ id, ...(columns ? { columns } : {}) });
  }

  private datasetOf(ids: string[], given?: string): string {
    if (given) return given;
    if (ids.length === 1) return ids[0]!;
    throw new TsiotError(
      'invalid_input',
      'dataset: required when the release covers several series (name the dataset they form)',
      {
        details: { field: 'dataset', example: 'fleet-2024' },
      },
    );
  }

  /** DP aggregates of one column of one or more series (each series one device) over public time windows. */
  async aggregate(
    input: AggregateInput,
  ): Promise<{ result: AggregateResult; statement: ReleaseStatement; start: number; end: number }> {
    const dataset = this.datasetOf(input.seriesIds, input.dataset);
    const loaded: TimeSeries[] = [];
    for (const id of input.seriesIds) {
      const s = await this.load(id);
      if (!s.columns.some((c) => c.name === input.column))
        throw new TsiotError('invalid_input', `column: series "${id}" has no column "${input.column}"`, {
          details: { field: 'column', columns: s.columns.map((c) => c.name) },
        });
      loaded.push(s);
    }
    const notices: string[] = [];
    let start = input.start;
    let end = input.end;
    if (start === undefined || end === undefined) {
      // the data's own time range, treated as public — said so in the release
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const s of loaded)
        if (s.timestamps.length) {
          lo = Math.min(lo, s.timestamps[0]!);
          hi = Math.max(hi, s.timestamps[s.timestamps.length - 1]!);
        }
      if (!Number.isFinite(lo))
        throw new TsiotError('invalid_input', 'start: the series are empty; give start and end', {
          details: { field: 'start' },
        });
      start ??= lo;
      end ??= hi + 1;
      notices.push(
        'the time range of the partitions was taken from the data and is treated as public; give start and end to keep it out of the data',
      );
    }
    const req: AggregateRequest = {
      ...input,
      start,
      end,
      devices: loaded.map((s) => ({
        id: s.metadata.deviceId ?? s.id,
        timestamps: s.timestamps,
        values: s.columns.find((c) => c.name === input.column)!.values,
      })),
    };
    const plan = planAggregate(req);
    const { release, status } = await this.ledger.charge(
      dataset,
      {
        mechanism: [...new Set(plan.primitives.map((p) => p.mechanism))].join('+'),
        epsilon: plan.epsilon,
        delta: plan.delta,
        rho: plan.rho,
        unit: plan.unit,
        tool: 'dp_aggregate',
        what: `${input.statistics.join(', ')} of "${input.column}" over ${plan.partitions} windows`,
      },
      input.tenant ?? this.ledger.tenant,
    );
    const result = runAggregate(req, plan);
    return {
      result,
      start,
      end,
      statement: this.statement(release, status, dataset, plan.unit, ADD_REMOVE, [
        ...notices,
        ...epsilonNotices(plan.epsilon),
      ]),
    };
  }

  /** A DP copy of a stored series (the noisy series is stored under a new id). */
  async perturb(
    input: PerturbInput,
  ): Promise<{ id: string; statement: ReleaseStatement; clipped: Record<string, number>; rows: number }> {
    const dataset = this.datasetOf([input.seriesId], input.dataset);
    const names = Object.keys(input.bounds);
    if (names.length === 0)
      throw new TsiotError('invalid_input', 'bounds: declare {lower, upper} for every column to perturb', {
        details: { field: 'bounds', example: { temperature: { lower: -20, upper: 60 } } },
      });
    const s = await this.load(input.seriesId);
    for (const n of names)
      if (!s.columns.some((c) => c.name === n))
        throw new TsiotError('invalid_input', `bounds.${n}: series "${input.seriesId}" has no column "${n}"`, {
          details: { field: `bounds.${n}`, columns: s.columns.map((c) => c.name) },
        });
    const req: PerturbRequest = {
      columns: names.map((n) => ({
        name: n,
        values: s.columns.find((c) => c.name === n)!.values,
        lower: input.bounds[n]!.lower,
        upper: input.bounds[n]!.upper,
      })),
      epsilon: input.epsilon,
      ...(input.delta !== undefined ? { delta: input.delta } : {}),
      mechanism: input.mechanism,
      unit: input.unit,
    };
    const plan = planPerturbation(req);
    const { release, status } = await this.ledger.charge(
      dataset,
      {
        mechanism: input.mechanism,
        epsilon: plan.epsilon,
        delta: plan.delta,
        rho: plan.rho,
        unit: plan.unit,
        tool: 'apply_differential_privacy',
        what: `perturbed ${names.length} column(s) of ${s.timestamps.length} rows`,
      },
      input.tenant ?? this.ledger.tenant,
    );
    const out = runPerturbation(req, plan);
    const statement = this.statement(release, status, dataset, plan.unit, REPLACE, epsilonNotices(plan.epsilon));
    const noisy: TimeSeries = {
      id: '',
      name: `${s.name || s.id} (DP ε=${plan.epsilon})`,
      metadata: {
        ...(s.metadata.deviceId ? { deviceId: s.metadata.deviceId } : {}),
        tags: { ...s.metadata.tags, privacy: 'differential' },
        createdAt: new Date().toISOString(),
        privacy: {
          mechanism: statement.mechanism,
          epsilon: statement.epsilon,
          delta: statement.delta,
          rho: statement.rho,
          unit: statement.unit,
          source: s.id,
          releaseId: release.id,
        },
      },
      timestamps: s.timestamps,
      columns: out.columns.map((c) => ({ ...s.columns.find((x) => x.name === c.name)!, values: c.values })),
      labels: [],
    };
    const [stored] = await this.options.series.store([noisy]);
    return {
      id: stored!.id,
      statement,
      clipped: Object.fromEntries(out.columns.map((c) => [c.name, c.clipped])),
      rows: s.timestamps.length,
    };
  }

  /**
   * Turn a fit request with a privacy argument into the private learner's
   * request, and charge its whole (ε, δ) to the dataset before anything is
   * fitted. The options are checked first, so a refused or malformed request
   * spends nothing; a fit that fails later has spent its budget (conservative).
   */
  async preparePrivateFit(input: {
    generator: string | undefined;
    options: Record<string, unknown> | undefined;
    privacy: FitPrivacy & { dataset?: string };
    sourceIds: string[];
    /** The columns the fit will learn: each needs declared bounds. */
    columns: string[];
    tool: string;
    tenant?: string;
    /** Whether the data is several independent series (a device unit needs them). */
    sequences?: boolean;
  }): Promise<{ generator: string; options: Record<string, unknown>; statement: ReleaseStatement }> {
    const requested = input.generator ?? 'mixture';
    const generator = PRIVATE_VARIANTS[requested];
    if (!generator)
      throw new TsiotError(
        'unsupported',
        `privacy: differentially private fitting is available for generators "mixture" and "statistical", not "${requested}"`,
        {
          details: { field: 'generator', example: 'mixture' },
          hint: 'Use generator "mixture" (windows, fleets) or "statistical" (one long series) with privacy.',
        },
      );
    const statistical = generator === 'statistical-dp';
    if (input.options && 'privacy' in input.options)
      throw new TsiotError(
        'invalid_input',
        'options.privacy: give the privacy argument at the top level, not in options',
        {
          details: { field: 'options.privacy' },
        },
      );
    const { dataset: given, ...privacy } = input.privacy;
    const options = { ...(input.options ?? {}), privacy };
    parseInput(
      statistical ? PrivateStatisticalOptionsSchema : PrivateMixtureOptionsSchema,
      options,
      `fit options for "${generator}"`,
    );
    // the unit's bound must be there before anything is charged
    if (statistical) rowsPerUnit(privacy.unit, input.sequences ?? true);
    if (!(privacy.delta > 0 && privacy.delta < 1))
      throw new TsiotError('invalid_input', 'privacy.delta: expected a number in (0, 1)', {
        details: { field: 'privacy.delta' },
      });
    for (const name of Object.keys(privacy.bounds))
      if (!input.columns.includes(name))
        throw new TsiotError(
          'invalid_input',
          `privacy.bounds.${name}: not a column of the fit (columns: ${input.columns.join(', ')})`,
          {
            details: { field: `privacy.bounds.${name}` },
          },
        );
    for (const name of input.columns) {
      const b = privacy.bounds[name];
      if (!b)
        throw new TsiotError(
          'invalid_input',
          `privacy.bounds.${name}: every column needs declared bounds; none for "${name}"`,
          {
            details: { field: `privacy.bounds.${name}`, example: { lower: 0, upper: 100 } },
          },
        );
      if (!Number.isFinite(b.lower) || !Number.isFinite(b.upper) || !(b.lower < b.upper))
        throw new TsiotError(
          'invalid_input',
          `privacy.bounds.${name}: expected finite lower < upper, got ${b.lower}, ${b.upper}`,
          {
            details: { field: `privacy.bounds.${name}` },
          },
        );
    }
    const dataset = given ?? (input.sourceIds.length === 1 ? input.sourceIds[0] : undefined);
    if (!dataset)
      throw new TsiotError(
        'invalid_input',
        'privacy.dataset: required unless the data is one stored series (name the dataset whose budget pays)',
        {
          details: { field: 'privacy.dataset', example: 'stocks' },
        },
      );
    const g = statistical ? plannedStatisticalGuarantee(privacy) : plannedGuarantee(privacy);
    const { release, status } = await this.ledger.charge(
      dataset,
      {
        mechanism: 'gaussian',
        epsilon: g.epsilon,
        delta: g.delta,
        rho: g.rho,
        unit: g.unit,
        tool: input.tool,
        what: statistical
          ? 'a private statistical model fitted (trend, seasonal profiles and AR from noisy sums)'
          : 'a private mixture model fitted (private principal components and EM)',
      },
      input.tenant ?? this.ledger.tenant,
    );
    return {
      generator,
      options,
      statement: this.statement(
        release,
        status,
        dataset,
        g.unit,
        statistical ? REPLACE : ADD_REMOVE,
        epsilonNotices(g.epsilon),
      ),
    };
  }

  private statement(
    release: Release,
    status: BudgetStatus,
    dataset: string,
    unit: string,
    neighbouring: string,
    notices: string[],
  ): ReleaseStatement {
    return {
      mechanism: release.mechanism,
      epsilon: release.epsilon,
      delta: release.delta,
      rho: release.rho,
      unit,
      neighbouring,
      randomness: RANDOMNESS_NOTE,
      dataset,
      releaseId: release.id,
      budget: status,
      notices,
    };
  }
}
