/**
 * A storage layered in front of another (the query cache, the live feed):
 * the methods it gives replace the inner backend's, and everything else the
 * inner backend offers — the contract, the document store, similarity
 * search — is passed through, so a cached DuckDB still keeps documents and
 * still finds similar series. A layer that writes (`store`) must give its
 * own `storeMany` too, or the one-commit path would bypass it: the inner
 * `storeMany` is never passed through.
 */
import type { DocumentStore, SimilaritySearch, Storage } from './storage.js';

const PASSED_THROUGH = [
  'init',
  'store',
  'retrieve',
  'describe',
  'list',
  'delete',
  'health',
  'close',
  'putDocument',
  'getDocument',
  'listDocuments',
  'deleteDocument',
  'updateDocument',
  'findSimilar',
] as const;

export type LayeredStorage = Storage & Partial<DocumentStore> & Partial<SimilaritySearch>;

export function layer(inner: Storage, own: Partial<Omit<Storage, 'kind'>>): LayeredStorage {
  const out: Record<string, unknown> = { kind: inner.kind };
  for (const name of PASSED_THROUGH) {
    const method = (inner as unknown as Record<string, unknown>)[name];
    if (typeof method === 'function') out[name] = method.bind(inner);
  }
  return Object.assign(out, own) as unknown as LayeredStorage;
}
