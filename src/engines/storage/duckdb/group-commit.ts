/**
 * Group commit: writes that arrive while the writer is busy wait together
 * and go into the database in one transaction when their turn comes, each
 * caller answered only after that commit. A commit costs far more than a
 * small insert, so many concurrent small stores then cost about one commit.
 *
 * All-or-nothing stays per request: when the shared transaction fails it is
 * rolled back whole, and each of its requests is then written again in a
 * transaction of its own, so only the failing one fails and nothing of it is
 * committed with the others.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { type Connections, inTransaction } from './connections.js';

interface Waiting<R> {
  request: R;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class GroupCommit<R> {
  private forming: { waiting: Waiting<R>[]; size: number } | undefined;

  /**
   * @param apply writes the requests inside the open transaction (runs again
   *   for a single request after a failed group, so it must write only what it is given)
   * @param maxSize most work (e.g. values) one transaction takes; a larger request goes alone
   */
  constructor(
    private readonly apply: (c: DuckDBConnection, requests: R[]) => Promise<void>,
    private readonly maxSize: number,
  ) {}

  /** Write `request` in the next group commit; resolves once it is committed. */
  add(cons: Connections, request: R, size: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const w = { request, resolve, reject };
      const open = this.forming;
      if (open && open.size + size <= this.maxSize) {
        open.waiting.push(w);
        open.size += size;
        return;
      }
      const group = { waiting: [w], size };
      this.forming = group;
      cons
        .write(async (c) => {
          // from here on, new requests form the next group
          if (this.forming === group) this.forming = undefined;
          await this.commit(c, group.waiting);
        })
        .catch((e: unknown) => {
          for (const x of group.waiting) x.reject(e);
        });
    });
  }

  private async commit(c: DuckDBConnection, waiting: Waiting<R>[]): Promise<void> {
    try {
      await inTransaction(c, () =>
        this.apply(
          c,
          waiting.map((w) => w.request),
        ),
      );
      for (const w of waiting) w.resolve();
      return;
    } catch (e) {
      if (waiting.length === 1) {
        waiting[0]!.reject(e);
        return;
      }
    }
    for (const w of waiting) {
      try {
        await inTransaction(c, () => this.apply(c, [w.request]));
        w.resolve();
      } catch (e) {
        w.reject(e);
      }
    }
  }
}
