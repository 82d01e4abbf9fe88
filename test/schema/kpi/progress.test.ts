// The arithmetic of progress and allocation (schema/kpi/progress.ts, allocation.ts), at the
// edges of every threshold, in both directions.
import { describe, expect, it } from 'vitest';
import { allocatedTotal, largestRemainder } from '../../../schema/kpi/allocation.js';
import { criterionPoints, rankByScore, weightedScore } from '../../../schema/kpi/emulation.js';
import { elapsedShare, progress, shareOfChange, type ProgressInput } from '../../../schema/kpi/progress.js';
import { dayNumber } from '../../../domain/period.js';

describe('the share of a period gone by', () => {
  const [start, end] = [dayNumber(2026, 1, 1), dayNumber(2027, 1, 1)];
  it('counts whole days to the end of today, within the period', () => {
    expect(elapsedShare(start, end, dayNumber(2026, 6, 30))).toEqual({ asOfDay: dayNumber(2026, 7, 1), elapsed: 181 / 365 });
    expect(elapsedShare(start, end, dayNumber(2025, 12, 31))).toEqual({ asOfDay: start, elapsed: 0 });
    expect(elapsedShare(start, end, dayNumber(2026, 12, 31))).toEqual({ asOfDay: end, elapsed: 1 });
    expect(elapsedShare(start, end, dayNumber(2030, 1, 1))).toEqual({ asOfDay: end, elapsed: 1 });
  });
  it('last year’s share of its change is null when there was none, and kept within 0–1', () => {
    expect(shareOfChange(0, 10, 40)).toBe(0.25);
    expect(shareOfChange(40, 40, 40)).toBeNull();
    expect(shareOfChange(null, 10, 40)).toBeNull();
    expect(shareOfChange(0, 50, 40)).toBe(1);
  });
});

describe('a status', () => {
  // A flow: target 100, half the period gone, no history: 50 asked; ON_TRACK from 45 (0.9), AT_RISK from 35 (0.7).
  const flow = (actual: number | null, target: number | null = 100): ProgressInput => ({ kind: 'FLOW', higherIsBetter: true, target, actual, baseline: null, elapsed: 0.5, seasonal: null });
  it.each([
    [100, 'ACHIEVED'],
    [120, 'ACHIEVED'],
    [45, 'ON_TRACK'],
    [44.99, 'AT_RISK'],
    [35, 'AT_RISK'],
    [34.99, 'BEHIND'],
    [0, 'BEHIND'],
  ])('of a flow at %d of 100, half-way: %s', (actual, status) => {
    expect(progress(flow(actual)).status).toBe(status);
  });
  it('NO_TARGET without a target, NO_DATA without a value', () => {
    expect(progress(flow(50, null))).toMatchObject({ status: 'NO_TARGET', pace: null, percentAchieved: null, expectedLinear: null });
    expect(progress(flow(null))).toMatchObject({ status: 'NO_DATA', expectedLinear: 50 });
  });

  // Lower is better: a stock from 50 down to a target of 30, half-way: 40 asked (10 down); ON_TRACK to 41 (9 down), AT_RISK to 43 (7 down).
  const lower = (actual: number): ProgressInput => ({ kind: 'STOCK', higherIsBetter: false, target: 30, actual, baseline: 50, elapsed: 0.5, seasonal: null });
  it.each([
    [30, 'ACHIEVED'],
    [29, 'ACHIEVED'],
    [40, 'ON_TRACK'],
    [41, 'ON_TRACK'],
    [41.01, 'AT_RISK'],
    [43, 'AT_RISK'],
    [43.01, 'BEHIND'],
    [55, 'BEHIND'],
  ])('of a stock where lower is better, at %d (from 50 to 30), half-way: %s', (actual, status) => {
    expect(progress(lower(actual)).status).toBe(status);
  });
  it('of a stock where lower is better tells % achieved as target ÷ actual', () => {
    expect(progress(lower(40)).percentAchieved).toBe(75);
  });

  it('follows last year’s course when there is one: 30 of 100 with 25 % of last year’s done by now is ON_TRACK, on a line it is BEHIND', () => {
    const input: ProgressInput = { kind: 'FLOW', higherIsBetter: true, target: 100, actual: 30, baseline: null, elapsed: 0.5, seasonal: 0.25 };
    expect(progress(input)).toEqual({
      percentAchieved: 30,
      expectedLinear: 50,
      expectedSeasonal: 25,
      projectedLinear: 60,
      projectedSeasonal: 120,
      pace: 'SEASONAL',
      paceShare: 1.2, // 30 made of 25 asked
      status: 'ON_TRACK',
    });
    expect(progress({ ...input, seasonal: null })).toMatchObject({ pace: 'LINEAR', status: 'BEHIND' });
  });

  it('takes thresholds from its settings', () => {
    expect(progress(flow(44), { onTrack: 0.8, atRisk: 0.5 }).status).toBe('ON_TRACK');
    expect(progress(flow(24), { onTrack: 0.8, atRisk: 0.5 }).status).toBe('BEHIND');
  });

  it('before the period begins asks for nothing: ON_TRACK at the baseline, BEHIND below it', () => {
    const start: ProgressInput = { kind: 'RATIO', higherIsBetter: true, target: 90, actual: 60, baseline: 60, elapsed: 0, seasonal: null };
    expect(progress(start).status).toBe('ON_TRACK');
    expect(progress({ ...start, actual: 59 }).status).toBe('BEHIND');
    expect(progress(start).projectedLinear).toBeNull();
  });
});

describe('allocation', () => {
  it('splits into whole parts that add up, the largest remainders first and the earlier on a tie', () => {
    expect(largestRemainder(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(largestRemainder(100, [40, 20, 0])).toEqual([67, 33, 0]);
    expect(largestRemainder(10, [1, 2, 2])).toEqual([2, 4, 4]);
    expect(largestRemainder(7, [3, 3, 1])).toEqual([3, 3, 1]);
    expect(largestRemainder(1, [1, 1])).toEqual([1, 0]);
    expect(() => largestRemainder(5, [0, 0])).toThrow('the weights add up to 0');
  });
  it('adds up children’s targets: a sum for counts, a mean weighted by denominators for ratios', () => {
    expect(allocatedTotal(false, [{ target: 60, weight: null }, { target: 25, weight: null }, { target: null, weight: null }])).toBe(85);
    expect(allocatedTotal(true, [{ target: 90, weight: 5 }, { target: 70, weight: 3 }, { target: null, weight: 2 }])).toBe(82.5);
    expect(allocatedTotal(true, [{ target: 90, weight: 0 }])).toBeNull();
    expect(allocatedTotal(false, [{ target: null, weight: null }])).toBeNull();
  });
});

describe('emulation scoring', () => {
  const bands = { method: 'BANDS' as const, bands: [{ from: 0, points: 0 }, { from: 50, points: 50 }, { from: 80, points: 100 }] };
  it('gives points by % of target (at most 100) or by bands', () => {
    expect(criterionPoints({ method: 'PERCENT_OF_TARGET' }, 20, 100 / 3)).toBe(100 / 3);
    expect(criterionPoints({ method: 'PERCENT_OF_TARGET' }, 90, 150)).toBe(100);
    expect(criterionPoints({ method: 'PERCENT_OF_TARGET' }, 0, null)).toBe(0);
    expect([49.99, 50, 79.99, 80, 100, -1].map((v) => criterionPoints(bands, v, null))).toEqual([0, 50, 50, 100, 100, 0]);
    expect(criterionPoints(bands, null, null)).toBe(0);
  });
  it('averages points by weight, to 0.01', () => {
    expect(weightedScore([{ weight: 2, points: 100 / 3 }, { weight: 1, points: 50 }])).toBe(38.89);
  });
  it('ranks ties together and skips after them (1, 2, 2, 4), by code within a tie', () => {
    const ranked = rankByScore([
      { code: 'D', score: 10 },
      { code: 'C', score: 50 },
      { code: 'A', score: 90 },
      { code: 'B', score: 50 },
    ]);
    expect(ranked.map((r) => `${r.rank} ${r.code}`)).toEqual(['1 A', '2 B', '2 C', '4 D']);
  });
});
