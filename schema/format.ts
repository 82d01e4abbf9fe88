import { VIETNAM_OFFSET_MS } from './kpi/period.js';

/** "2026-03-01T00:00:00+07:00": an instant as a person in Vietnam reads it (milliseconds only when there are some). */
export function formatVietnamInstant(value: Date): string {
  const local = new Date(value.getTime() + VIETNAM_OFFSET_MS).toISOString();
  const ms = local.slice(19, 23);
  return `${local.slice(0, 19)}${ms === '.000' ? '' : ms}+07:00`;
}
