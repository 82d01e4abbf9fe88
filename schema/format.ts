import { createHash } from 'node:crypto';
import { VIETNAM_OFFSET_MS } from './kpi/period.js';

/** A text's SHA-256, in hex: persisted operations, partner keys' secrets, idempotent requests. */
export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** "2026-03-01T00:00:00+07:00": an instant as a person in Vietnam reads it (milliseconds only when there are some). */
export function formatVietnamInstant(value: Date): string {
  const local = new Date(value.getTime() + VIETNAM_OFFSET_MS).toISOString();
  const ms = local.slice(19, 23);
  return `${local.slice(0, 19)}${ms === '.000' ? '' : ms}+07:00`;
}

/** The years an instant or a day may fall in: the import's bounds too. */
export const YEARS = { min: 1900, max: 2199 } as const;

/** A calendar day, YYYY-MM-DD, or what is wrong with it. */
export function checkDayText(text: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return 'must be YYYY-MM-DD';
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < YEARS.min || year > YEARS.max) return `year must be ${YEARS.min}–${YEARS.max} (got ${m[1]})`;
  if (month < 1 || month > 12) return `month must be 01–12 (got ${m[2]})`;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > days) return `day must be 01–${days} in ${m[1]}-${m[2]} (got ${m[3]})`;
  return null;
}

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:[zZ]|([+-])(\d{2}):(\d{2}))$/;

/** An ISO 8601 instant with its offset, or what is wrong with it, in words that name the part at fault. */
export function parseInstantText(text: string): Date | string {
  const m = ISO_INSTANT.exec(text);
  if (!m) {
    if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(text)) return 'has no offset: end it with Z or +07:00 (Vietnam time)';
    return 'must be ISO 8601 with an offset, e.g. 2026-03-01T00:00:00+07:00';
  }
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  if (year < YEARS.min || year > YEARS.max) return `year must be ${YEARS.min}–${YEARS.max} (got ${m[1]})`;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12) return `month must be 01–12 (got ${m[2]})`;
  if (day < 1 || day > daysInMonth) return `day must be 01–${daysInMonth} in ${m[1]}-${m[2]} (got ${m[3]})`;
  if (hour > 23) return `hour must be 00–23 (got ${m[4]})`;
  if (minute > 59) return `minute must be 00–59 (got ${m[5]})`;
  if (second > 59) return `second must be 00–59 (got ${m[6]})`;
  if (m[7] && (Number(m[8]) > 14 || Number(m[9]) > 59)) return `offset must be between -14:00 and +14:00 (got ${m[7]}${m[8]}:${m[9]})`;
  return new Date(text);
}
