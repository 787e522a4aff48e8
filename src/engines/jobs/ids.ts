import { randomBytes } from 'node:crypto';
import { JOB_TYPES, type JobType } from './types.js';

/** A job id names its type: `generation-3f9a0c…` (letters, digits and one dash; safe in URIs and Redis keys). */
export function newJobId(type: JobType): string {
  return `${type}-${randomBytes(8).toString('hex')}`;
}

/** The type encoded in a job id, or undefined for ids made elsewhere (e.g. by a scheduler). */
export function typeOfJobId(id: string): JobType | undefined {
  const t = id.slice(0, id.indexOf('-'));
  return (JOB_TYPES as readonly string[]).includes(t) ? (t as JobType) : undefined;
}

export const SCHEDULE_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
