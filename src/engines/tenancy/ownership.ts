import { DEFAULT_TENANT } from '../../core/caller.js';
import type { DocumentStore } from '../storage/storage.js';

const COLLECTION = 'tenancy_owners';

/**
 * Who owns the documents engines keep (models, reports): one small record
 * per object of a tenant other than the default one, so objects stored
 * before tenancy (with no record) stay the default tenant's. Claims are kept
 * in memory too, so an object being made in this process (a fit still
 * running) is already its tenant's before its record is written.
 */
export class Ownership {
  private readonly known = new Map<string, string>();

  constructor(private readonly documents: DocumentStore) {}

  /** Record that `tenant` owns the object. */
  async claim(kind: string, id: string, tenant: string): Promise<void> {
    const key = `${kind}:${id}`;
    this.known.set(key, tenant);
    if (tenant !== DEFAULT_TENANT) await this.documents.putDocument(COLLECTION, key, { tenant });
  }

  /** The owner as known in this process, without reading the store (for objects made here). */
  ownerKnown(kind: string, id: string): string | undefined {
    return this.known.get(`${kind}:${id}`);
  }

  async owner(kind: string, id: string): Promise<string> {
    const key = `${kind}:${id}`;
    const known = this.known.get(key);
    if (known) return known;
    const doc = await this.documents.getDocument<{ tenant: string }>(COLLECTION, key);
    const tenant = doc?.tenant ?? DEFAULT_TENANT;
    this.known.set(key, tenant);
    return tenant;
  }

  async release(kind: string, id: string): Promise<void> {
    const key = `${kind}:${id}`;
    this.known.delete(key);
    await this.documents.deleteDocument(COLLECTION, key);
  }
}

/** Ownership per document store: every scoped view of one set of engines shares one. */
const byStore = new WeakMap<DocumentStore, Ownership>();

export function ownershipOf(documents: DocumentStore): Ownership {
  let o = byStore.get(documents);
  if (!o) {
    o = new Ownership(documents);
    byStore.set(documents, o);
  }
  return o;
}
