import { CronExpressionParser } from 'cron-parser';
import { TsiotError } from '../../core/errors.js';

const EXAMPLES =
  '"0 * * * *" (hourly), "30 2 * * *" (02:30 daily), "*/10 * * * * *" (every 10 s, six fields with seconds)';

/** Validate a cron expression (5 fields, or 6 with leading seconds) and return its next run after `from`. */
export function nextCronRun(cron: string, tz = 'UTC', from: Date = new Date()): Date {
  const fields = cron.trim().split(/\s+/);
  if (fields.length < 5 || fields.length > 6) throw badCron(cron, `expected 5 or 6 fields, got ${fields.length}`);
  try {
    return CronExpressionParser.parse(cron, { currentDate: from, tz, strict: false }).next().toDate();
  } catch (e) {
    throw badCron(cron, e instanceof Error ? e.message : String(e));
  }
}

function badCron(cron: string, why: string): TsiotError {
  return new TsiotError(
    'invalid_input',
    `cron: "${cron}" is not a valid cron expression (${why}). Examples: ${EXAMPLES}`,
    {
      details: { field: 'cron', expected: 'cron expression', example: '0 * * * *' },
    },
  );
}
