import type { DocumentStore } from '../storage/storage.js';
import type { FileCipher } from './cipher.js';

/** How a sealed document is stored: the AES-256-GCM envelope of its JSON, in base64. */
interface SealedDoc {
  tsiotSealed: 1;
  data: string;
}

function isSealed(doc: unknown): doc is SealedDoc {
  return (
    typeof doc === 'object' &&
    doc !== null &&
    (doc as SealedDoc).tsiotSealed === 1 &&
    typeof (doc as SealedDoc).data === 'string'
  );
}

/**
 * A document store whose documents in `collections` are encrypted before
 * they are written (saved model states and fit checkpoints: what a model
 * learned from its data) and decrypted when read. Documents written before
 * encryption was configured stay readable as they are; every new write is
 * sealed. Other collections pass through untouched.
 */
export function sealedDocuments(
  documents: DocumentStore,
  cipher: FileCipher,
  collections: readonly string[],
): DocumentStore {
  const sealedHere = new Set(collections);
  const seal = (doc: unknown): SealedDoc => ({
    tsiotSealed: 1,
    data: cipher.seal(Buffer.from(JSON.stringify(doc), 'utf8')).toString('base64'),
  });
  const unseal = <T>(collection: string, id: string, doc: unknown): T =>
    isSealed(doc)
      ? (JSON.parse(
          cipher.open(Buffer.from(doc.data, 'base64'), `Document "${id}" of ${collection}`).toString('utf8'),
        ) as T)
      : (doc as T);
  const overrides: Partial<DocumentStore> = {
    async putDocument(collection, id, doc) {
      return documents.putDocument(collection, id, sealedHere.has(collection) ? seal(doc) : doc);
    },
    async getDocument<T>(collection: string, id: string) {
      const doc = await documents.getDocument<unknown>(collection, id);
      if (doc === undefined || !sealedHere.has(collection)) return doc as T | undefined;
      return unseal<T>(collection, id, doc);
    },
    async listDocuments<T>(collection: string, options?: { limit?: number; offset?: number }) {
      const docs = await documents.listDocuments<unknown>(collection, options);
      if (!sealedHere.has(collection)) return docs as { id: string; doc: T }[];
      return docs.map(({ id, doc }) => ({ id, doc: unseal<T>(collection, id, doc) }));
    },
  };
  if (documents.updateDocument) {
    const update = documents.updateDocument.bind(documents);
    overrides.updateDocument = async <T>(
      collection: string,
      id: string,
      fn: (current: T | undefined) => T | Promise<T>,
    ): Promise<T> => {
      if (!sealedHere.has(collection)) return update(collection, id, fn);
      let result: T | undefined;
      await update<unknown>(collection, id, async (current) => {
        result = await fn(current === undefined ? undefined : unseal<T>(collection, id, current));
        return seal(result);
      });
      return result as T;
    };
  }
  return new Proxy(documents, {
    get(target, p) {
      if (Object.hasOwn(overrides, p)) return (overrides as Record<string | symbol, unknown>)[p];
      const v = Reflect.get(target, p, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
