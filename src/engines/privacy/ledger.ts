/**
 * The privacy ledger: the only way to spend budget. One document per
 * (tenant, dataset) holds the budget and every release charged to it. A charge
 * is checked and written in one transaction of the document store, so
 * concurrent releases cannot overdraw; a refused charge writes nothing.
 *
 * Accounting. Every release states (ε, δ) and a zCDP ρ (pure ε-DP counts as
 * ε²/2). The spent budget is the better of two valid bounds on the same
 * composed releases: sequential composition (Σε, Σδ — kept as exact fractions,
 * so rounding can never overspend) and zCDP composition (Σρ, converted to ε at
 * the budget's δ, rounded up).
 */
import { DEFAULT_TENANT } from '../../core/caller.js';
import { TsiotError } from '../../core/errors.js';
import type { DocumentStore } from '../storage/storage.js';
import { zcdpEpsilon } from './calibration.js';
import { add, cmp, fromDouble, type Rational, toDouble } from './rational.js';

export const LEDGER_COLLECTION = 'privacy_ledgers';
/** The tenant of a single-tenant installation. */
export const LOCAL_TENANT = 'local';

export interface Charge {
  mechanism: string;
  epsilon: number;
  delta: number;
  rho: number;
  /** The privacy unit, as stated in the release. */
  unit: string;
  /** The tool or operation that made the release. */
  tool: string;
  /** What was released, in a few words (never data values). */
  what: string;
}

export interface Release extends Charge {
  id: string;
  at: string;
}

export interface Budget {
  epsilon: number;
  delta: number;
}

interface LedgerDoc {
  tenant: string;
  dataset: string;
  budget: Budget;
  /** Σε and Σδ as exact fractions "num/den". */
  sumEpsilon: string;
  sumDelta: string;
  /** Σρ, rounded up at every addition. */
  sumRho: number;
  releases: Release[];
}

export interface BudgetStatus {
  tenant: string;
  dataset: string;
  budget: Budget;
  spent: { epsilon: number; delta: number; rho: number; accounting: 'none' | 'sequential' | 'zCDP' };
  remaining: { epsilon: number; delta: number };
  releases: number;
}

const enc = (r: Rational) => `${r.num}/${r.den}`;
const dec = (s: string): Rational => {
  const [n, d] = s.split('/');
  return { num: BigInt(n!), den: BigInt(d!) };
};
const ZERO = '0/1';
/** Relative margin added to every floating-point bound, so it errs towards spending more. */
const UP = 1 + 1e-9;

function spentOf(doc: Pick<LedgerDoc, 'budget' | 'sumEpsilon' | 'sumDelta' | 'sumRho'>) {
  const seqOk = cmp(dec(doc.sumDelta), fromDouble(doc.budget.delta)) <= 0;
  const seqEps = toDouble(dec(doc.sumEpsilon));
  const zEps = doc.sumRho > 0 ? zcdpEpsilon(doc.sumRho, doc.budget.delta) * UP : 0;
  if (doc.sumEpsilon === ZERO && doc.sumRho === 0)
    return { epsilon: 0, delta: 0, accounting: 'none' as const, within: true };
  // sequential when its δ fits and its ε is no worse; else zCDP (δ = the budget's δ)
  if (seqOk && seqEps <= zEps)
    return {
      epsilon: seqEps,
      delta: toDouble(dec(doc.sumDelta)),
      accounting: 'sequential' as const,
      within: cmp(dec(doc.sumEpsilon), fromDouble(doc.budget.epsilon)) <= 0,
    };
  return { epsilon: zEps, delta: doc.budget.delta, accounting: 'zCDP' as const, within: zEps <= doc.budget.epsilon };
}

function statusOf(doc: LedgerDoc): BudgetStatus {
  const s = spentOf(doc);
  return {
    tenant: doc.tenant,
    dataset: doc.dataset,
    budget: doc.budget,
    spent: { epsilon: s.epsilon, delta: s.delta, rho: doc.sumRho, accounting: s.accounting },
    remaining: {
      epsilon: Math.max(0, doc.budget.epsilon - s.epsilon),
      delta: Math.max(0, doc.budget.delta - s.delta),
    },
    releases: doc.releases.length,
  };
}

function checkDataset(dataset: string): void {
  if (typeof dataset !== 'string' || !/^[A-Za-z0-9_.:-]{1,200}$/.test(dataset))
    throw new TsiotError(
      'invalid_input',
      'dataset: expected 1–200 letters, digits, "_", ".", ":" or "-" (a series id, or a name for the data)',
      { details: { field: 'dataset', example: 'ser_3fA9xQ' } },
    );
}

/**
 * The ledger tenant of a caller's tenant: the default tenant (the local user,
 * objects from before tenancy) keeps the single-tenant ledgers; a network
 * tenant literally named "local" gets a name no tenant can have.
 */
export function ledgerTenantOf(tenant: string | undefined): string {
  if (tenant === undefined || tenant === DEFAULT_TENANT) return LOCAL_TENANT;
  return tenant === LOCAL_TENANT ? `${LOCAL_TENANT}/` : tenant;
}

export class PrivacyLedger {
  constructor(
    private readonly documents: DocumentStore,
    private readonly defaultBudget: Budget,
    /** Whose ledgers this is: every method defaults to them (see ledgerTenantOf). */
    readonly tenant: string = LOCAL_TENANT,
  ) {
    if (!documents.updateDocument)
      throw new Error('the privacy ledger needs a document store with transactional updates');
  }

  private key(tenant: string, dataset: string): string {
    // "/" is in neither a tenant nor a dataset name, so two tenants' keys never meet
    return tenant === LOCAL_TENANT ? `${tenant}.${dataset}` : `${tenant}/${dataset}`;
  }

  private fresh(tenant: string, dataset: string, budget: Budget = this.defaultBudget): LedgerDoc {
    return { tenant, dataset, budget, sumEpsilon: ZERO, sumDelta: ZERO, sumRho: 0, releases: [] };
  }

  /**
   * Charge a release to the dataset's budget, or refuse it (budget_exhausted)
   * leaving the ledger untouched. Call before any noise is drawn.
   */
  async charge(
    dataset: string,
    charge: Charge,
    tenant = this.tenant,
  ): Promise<{ release: Release; status: BudgetStatus }> {
    checkDataset(dataset);
    if (!(charge.epsilon > 0 && Number.isFinite(charge.epsilon)))
      throw new TsiotError('invalid_input', `epsilon: expected a finite number > 0, got ${charge.epsilon}`, {
        details: { field: 'epsilon', example: 1 },
      });
    let release: Release | undefined;
    const doc = await this.documents.updateDocument!<LedgerDoc>(
      LEDGER_COLLECTION,
      this.key(tenant, dataset),
      (current) => {
        const d = current ?? this.fresh(tenant, dataset);
        const next: LedgerDoc = {
          ...d,
          sumEpsilon: enc(add(dec(d.sumEpsilon), fromDouble(charge.epsilon))),
          sumDelta: enc(add(dec(d.sumDelta), fromDouble(charge.delta))),
          sumRho: (d.sumRho + charge.rho) * UP,
          releases: d.releases,
        };
        const after = spentOf(next);
        if (!after.within) {
          const now = statusOf(d);
          throw new TsiotError(
            'budget_exhausted',
            `privacy budget of dataset "${dataset}" would be exceeded: this release needs ε = ${charge.epsilon}${charge.delta ? `, δ = ${charge.delta}` : ''}, and ε = ${round(now.remaining.epsilon)} of ε = ${d.budget.epsilon} remains (δ = ${d.budget.delta}); nothing was charged and no noise was drawn`,
            {
              details: {
                field: 'epsilon',
                dataset,
                requested: { epsilon: charge.epsilon, delta: charge.delta },
                remaining: now.remaining,
                budget: d.budget,
              },
              hint: 'Ask for a smaller epsilon, or raise the dataset budget with privacy_budget (action "set") if your policy allows it.',
            },
          );
        }
        release = { ...charge, id: `rel_${d.releases.length + 1}`, at: new Date().toISOString() };
        next.releases = [...d.releases, release];
        return next;
      },
    );
    return { release: release!, status: statusOf(doc) };
  }

  async status(dataset: string, tenant = this.tenant): Promise<BudgetStatus> {
    checkDataset(dataset);
    const doc = await this.documents.getDocument<LedgerDoc>(LEDGER_COLLECTION, this.key(tenant, dataset));
    return statusOf(doc ?? this.fresh(tenant, dataset));
  }

  async history(dataset: string, tenant = this.tenant): Promise<Release[]> {
    checkDataset(dataset);
    const doc = await this.documents.getDocument<LedgerDoc>(LEDGER_COLLECTION, this.key(tenant, dataset));
    return doc?.releases ?? [];
  }

  /** Set a dataset's total budget; refused when it would be below what is already spent. */
  async setBudget(dataset: string, budget: Budget, tenant = this.tenant): Promise<BudgetStatus> {
    checkDataset(dataset);
    if (!(budget.epsilon > 0 && Number.isFinite(budget.epsilon)))
      throw new TsiotError('invalid_input', `budget.epsilon: expected a finite number > 0, got ${budget.epsilon}`, {
        details: { field: 'budget.epsilon', example: 5 },
      });
    if (!(budget.delta > 0 && budget.delta < 1))
      throw new TsiotError('invalid_input', `budget.delta: expected a number in (0, 1), got ${budget.delta}`, {
        details: { field: 'budget.delta', example: 1e-5 },
      });
    const doc = await this.documents.updateDocument!<LedgerDoc>(
      LEDGER_COLLECTION,
      this.key(tenant, dataset),
      (current) => {
        const next = { ...(current ?? this.fresh(tenant, dataset)), budget };
        if (!spentOf(next).within)
          throw new TsiotError(
            'conflict',
            `budget for dataset "${dataset}": ε = ${budget.epsilon}, δ = ${budget.delta} is below what is already spent`,
            { details: { field: 'budget', spent: statusOf(current!).spent } },
          );
        return next;
      },
    );
    return statusOf(doc);
  }

  /** Every ledger of a tenant (budget status only). */
  async list(tenant = this.tenant): Promise<BudgetStatus[]> {
    const docs = await this.documents.listDocuments<LedgerDoc>(LEDGER_COLLECTION);
    return docs.filter((d) => d.doc.tenant === tenant).map((d) => statusOf(d.doc));
  }
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;

/** OpenDP-style parameter notices: ε above 1 is worth a note, above 5 a warning. */
export function epsilonNotices(epsilon: number): string[] {
  if (epsilon > 5)
    return [
      `warning: ε = ${epsilon} is above 5; the guarantee is weak (an outcome may become e^${epsilon} times likelier)`,
    ];
  if (epsilon > 1) return [`notice: ε = ${epsilon} is above 1; consider a smaller ε for a stronger guarantee`];
  return [];
}
