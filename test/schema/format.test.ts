// Instants as the API reads them: ISO 8601 with an offset, and a message naming the part at fault.
import { describe, expect, it } from 'vitest';
import { parseInstantText } from '../../domain/time.js';

describe('parseInstantText', () => {
  it.each([
    ['2026-03-01T00:00:00+07:00', '2026-02-28T17:00:00.000Z'],
    ['2026-03-01T00:00+07:00', '2026-02-28T17:00:00.000Z'],
    ['2026-02-28T17:00:00Z', '2026-02-28T17:00:00.000Z'],
    ['2024-02-29T23:59:59.999-05:30', '2024-03-01T05:29:59.999Z'],
  ])('%s is %s', (text, iso) => expect((parseInstantText(text) as Date).toISOString()).toBe(iso));

  it.each([
    ['2026-13-01T00:00:00+07:00', 'month must be 01–12 (got 13)'],
    ['2026-00-10T00:00:00+07:00', 'month must be 01–12 (got 00)'],
    ['2026-02-29T00:00:00+07:00', 'day must be 01–28 in 2026-02 (got 29)'],
    ['2026-04-31T00:00:00Z', 'day must be 01–30 in 2026-04 (got 31)'],
    ['2026-03-01T24:00:00+07:00', 'hour must be 00–23 (got 24)'],
    ['2026-03-01T10:60:00+07:00', 'minute must be 00–59 (got 60)'],
    ['2026-03-01T10:00:61+07:00', 'second must be 00–59 (got 61)'],
    ['2026-03-01T10:00:00+15:00', 'offset must be between -14:00 and +14:00 (got +15:00)'],
    ['2026-03-01T10:00:00', 'has no offset: end it with Z or +07:00 (Vietnam time)'],
    ['2026-03-01', 'has no offset: end it with Z or +07:00 (Vietnam time)'],
    ['yesterday', 'must be ISO 8601 with an offset, e.g. 2026-03-01T00:00:00+07:00'],
  ])('%s: %s', (text, reason) => expect(parseInstantText(text)).toBe(reason));
});
