import { z } from 'zod';
import { jobsOf, waitForJob } from '../src/engines/jobs/access.js';
import { SCHEDULE_ID_RE } from '../src/engines/jobs/ids.js';
import { StartJobSchema } from '../src/engines/jobs/request.js';
import { JobViewSchema, ScheduleViewSchema } from '../src/engines/jobs/view-schema.js';
import { defineTool } from '../src/registry/tool.js';

const inputSchema = StartJobSchema.extend({
  schedule: z
    .object({
      id: z
        .string()
        .regex(SCHEDULE_ID_RE, 'letters, digits, "_" or "-" (1–64)')
        .describe('Schedule id; re-using it replaces that schedule.'),
      cron: z
        .string()
        .min(1)
        .describe(
          'Cron expression, 5 fields or 6 with leading seconds, e.g. "0 * * * *" (hourly), "30 2 * * *" (02:30 daily).',
        ),
      tz: z.string().default('UTC').describe('IANA time zone of the cron fields.'),
    })
    .optional()
    .describe(
      'Instead of running once now, run on this cron schedule (stored; survives restarts; one run per period even with several servers). Remove it with cancel_job {"scheduleId": …}.',
    ),
  waitMs: z
    .number()
    .int()
    .min(0)
    .max(600_000)
    .default(0)
    .describe('Wait up to this long for the job to finish (progress is reported while waiting). 0 = return at once.'),
});

const outputSchema = z.object({
  job: JobViewSchema.optional().describe('The job started (absent when a schedule was created).'),
  schedule: ScheduleViewSchema.optional().describe('The schedule created (when `schedule` was given).'),
});

export const startJob = defineTool({
  name: 'start_job',
  title: 'Start a background job',
  description:
    'Start work too big for one call (type generation, export, validation or cleanup); returns a job id at once (follow with get_job); `schedule` repeats it on a cron. Example: {"type": "generation", "data": {"params": {"devices": 100, "duration": "7d"}, "seed": 7}}',
  details: [
    'Start work that is too big or too slow for one call, and get a job id back at once; watch it with get_job (or subscribe to tsiot://jobs/{id}), stop it with cancel_job.',
    'Types and their data:',
    '"generation" — large synthetic data in chunks into storage with bounded memory, resumable after a crash; data {"generator", "params" as for generate_timeseries, "seed", "name", "tags", "chunkValues"}, e.g. {"type": "generation", "data": {"params": {"devices": 500, "duration": "30d", "interval": "10s", "sensors": [{"type": "temperature"}]}, "seed": 7}}.',
    '"export" — stored series to one file in the exports folder, one series at a time (bounded memory; the same bytes as export_series), result {path, bytes, rows, sha256}; data {"ids": [...] or "selection": {"tags", "namePrefix", "deviceId"}, "format": "csv"|"ndjson"|"line"|"parquet", "start", "end", "timestamps": "iso"|"ms", "fileName"}, e.g. {"type": "export", "data": {"selection": {"tags": {"fleet": "plant-1"}}, "format": "parquet"}}.',
    '"validation" — validate stored series and store the report, result {reportId, score, verdict}; data {"synthetic": [ids], "reference": [ids], "holdout": [ids], "rules" as for validate_timeseries}, e.g. {"type": "validation", "data": {"synthetic": ["ser_3fA9xQ"], "reference": ["ser_real01"], "rules": {"validators": ["quality", "statistical", "fidelity"]}}}.',
    '"cleanup" — delete stored series older than a cut-off; data {"olderThan": "30d", "by": "created"|"data", "tags", "namePrefix", "dryRun"}, e.g. {"type": "cleanup", "data": {"olderThan": "30d", "tags": {"project": "demo"}}}.',
    '"training" is refused (unsupported): use fit_model, which already runs long fits in the background. A type this server has no handler for is refused the same way.',
    'Failed attempts are retried with exponential backoff (attempts, backoffMs); after the last one the job is "dead" (list_jobs view "dead_letters"; re-queue with requeue_job). Bad input is refused before anything is queued; retrying the same call does not help then. "rate_limited" means the tenant started too many jobs: retry after the wait it names.',
    'Give `schedule` to run it repeatedly on a cron expression instead.',
  ].join(' '),
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  example: { type: 'generation', data: { params: { devices: 100, duration: '7d', interval: '1m' }, seed: 7 } },
  routes: [{ method: 'POST', path: '/v1/jobs' }],
  async handler(input, ctx) {
    const jobs = jobsOf(ctx.engines);
    const { schedule, waitMs, delayMs, ...job } = input;
    if (schedule) {
      const s = await jobs.schedule({ ...schedule, job });
      return {
        structured: { schedule: s },
        summary: `Scheduled ${s.type} job "${s.id}" on "${s.cron}" (${s.tz}); next run ${s.next ?? 'unknown'}.`,
      };
    }
    const started = await jobs.start({ ...job, delayMs });
    const view =
      waitMs > 0
        ? await waitForJob(jobs, started.id, waitMs, { signal: ctx.signal, onProgress: ctx.progress })
        : started;
    return {
      structured: { job: view },
      summary: `Job ${view.id} (${view.type}) is ${view.state}${view.state === 'completed' ? '' : '; follow it with get_job'}.`,
    };
  },
});
