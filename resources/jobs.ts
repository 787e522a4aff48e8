import { TsiotError } from '../src/core/errors.js';
import { jobsOf } from '../src/engines/jobs/access.js';
import type { JobEngine } from '../src/engines/jobs/types.js';
import { COMPLETION_SCAN_LIMIT, completeStoredIds } from '../src/registry/completion.js';
import type { TemplateResourceDefinition } from '../src/registry/resource.js';

const LIST_LIMIT = 100;

export const jobUri = (id: string) => `tsiot://jobs/${encodeURIComponent(id)}`;

export const jobsResource: TemplateResourceDefinition = {
  kind: 'template',
  name: 'jobs',
  uriTemplate: 'tsiot://jobs/{id}',
  title: 'Background jobs',
  description:
    'A background job as JSON: state, progress, result or error, and its event history. Subscribe (resources/subscribe) to be told when it changes; start jobs with start_job.',
  mimeType: 'application/json',
  async list(engines, page) {
    const jobs = (engines as { jobs?: JobEngine }).jobs;
    // the job engine lists newest first without an offset: the page is cut from the head, at most LIST_LIMIT deep
    if (!jobs || page.offset >= LIST_LIMIT) return [];
    const head = await jobs.list({ limit: Math.min(LIST_LIMIT, page.offset + page.limit) });
    return head.slice(page.offset, page.offset + page.limit).map((j) => ({
      uri: jobUri(j.id),
      name: j.id,
      title: `${j.type} job (${j.state})`,
      description: `${j.type} job, ${j.state}, created ${j.createdAt}`,
      mimeType: 'application/json',
    }));
  },
  async read(uri, variables, engines) {
    const raw = variables.id;
    const id = decodeURIComponent(Array.isArray(raw) ? (raw[0] ?? '') : (raw ?? ''));
    if (!id)
      throw new TsiotError('invalid_input', `${uri.href}: missing job id`, {
        details: { example: 'tsiot://jobs/generation-3f9a0c1d2e4b5a69' },
      });
    const jobs = jobsOf(engines);
    const job = await jobs.get(id);
    const events = await jobs.events.history(id);
    return [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ ...job, events }) }];
  },
  complete: {
    id: (prefix, engines) => {
      const jobs = (engines as { jobs?: JobEngine }).jobs;
      if (!jobs) return { values: [], total: 0, hasMore: false };
      // list() has no offset: one read of the newest jobs
      return completeStoredIds(
        prefix,
        async (limit, offset) => (offset ? [] : jobs.list({ limit })),
        COMPLETION_SCAN_LIMIT,
      );
    },
  },
};

/** The part of an MCP server the notifier needs (McpServer from the SDK fits). */
export interface ResourceUpdateSink {
  server: { sendResourceUpdated(params: { uri: string }): Promise<void> };
}

const TERMINAL_EVENTS = new Set(['job.completed', 'job.failed', 'job.cancelled']);

/**
 * Send `notifications/resources/updated` for tsiot://jobs/{id} whenever a job
 * changes: at once for state changes, at most once per `progressEveryMs` per
 * job for progress. Returns a function that stops it (call it when the
 * session closes).
 */
export function notifyJobResourceUpdates(
  mcp: ResourceUpdateSink,
  jobs: JobEngine,
  options: { progressEveryMs?: number; isSubscribed?: (uri: string) => boolean } = {},
): () => void {
  const every = options.progressEveryMs ?? 1000;
  const lastSent = new Map<string, number>();
  return jobs.onChange((jobId, event) => {
    const uri = jobUri(jobId);
    if (options.isSubscribed && !options.isSubscribed(uri)) return;
    const now = Date.now();
    if (event.type === 'job.progress' && now - (lastSent.get(jobId) ?? 0) < every) return;
    if (TERMINAL_EVENTS.has(event.type)) lastSent.delete(jobId);
    else lastSent.set(jobId, now);
    void mcp.server.sendResourceUpdated({ uri }).catch(() => undefined);
  });
}
