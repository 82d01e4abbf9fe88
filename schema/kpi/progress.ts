// Progress towards a target, as leadership reads it: how much of the period has gone by,
// what value that pace asks for by today, where the value is headed, and a status. Pure
// arithmetic on values the KPI engine computed, so that a person can redo it by hand
// (docs/leadership.md gives the rules with a worked example).
import type { KpiKind } from '../../domain/catalogue.js';

export const PROGRESS_STATUSES = ['ACHIEVED', 'ON_TRACK', 'AT_RISK', 'BEHIND', 'NO_TARGET', 'NO_DATA'] as const;
export type ProgressStatus = (typeof PROGRESS_STATUSES)[number];

/**
 * Where the statuses change, as a share of the progress the pace asks for by today:
 * ON_TRACK from `onTrack` (default 0.9) up, AT_RISK from `atRisk` (default 0.7) up to it,
 * BEHIND below.
 */
export interface ProgressThresholds {
  onTrack: number;
  atRisk: number;
}
export const DEFAULT_THRESHOLDS: ProgressThresholds = { onTrack: 0.9, atRisk: 0.7 };

export interface ProgressInput {
  kind: KpiKind;
  higherIsBetter: boolean;
  /** The target; null when the unit has none for the KPI and period. */
  target: number | null;
  /** The value to date: a flow's sum from the period's start, a stock's or ratio's value now; null when there is none (a ratio over 0). */
  actual: number | null;
  /** The value at the period's start (stocks and ratios; null counts as 0); a flow starts from 0. */
  baseline: number | null;
  /** The share of the period's days gone by, 0 to 1. */
  elapsed: number;
  /** The share of last year's change over the same period made by the same day, 0 to 1; null without history. */
  seasonal: number | null;
}

export interface Progress {
  /** 100 × actual ÷ target (higher is better) or target ÷ actual (lower is better); null when that divides by 0. */
  percentAchieved: number | null;
  /** What a straight line from the baseline to the target asks for by today. */
  expectedLinear: number | null;
  /** What last year's course over the same days asks for by today; null without history. */
  expectedSeasonal: number | null;
  /** The end value if the value keeps moving at its pace so far: straight on, and as last year moved. */
  projectedLinear: number | null;
  projectedSeasonal: number | null;
  /** The pace the status is judged on: seasonal when there is history, else linear. */
  pace: 'SEASONAL' | 'LINEAR' | null;
  /**
   * The progress made since the period began as a share of what the pace asks for by today
   * (1: on pace); null when there is no target or value, or the pace asks for nothing yet.
   * The status compares it with the thresholds; the units furthest behind have the lowest.
   */
  paceShare: number | null;
  status: ProgressStatus;
}

/** The share of a period [startDay, endDay) gone by at the end of day `today` (day numbers). */
export function elapsedShare(startDay: number, endDay: number, today: number): { asOfDay: number; elapsed: number } {
  const asOfDay = Math.min(Math.max(today + 1, startDay), endDay);
  return { asOfDay, elapsed: (asOfDay - startDay) / (endDay - startDay) };
}

/** How far `value` has come from `from` towards `to`; null when there is no way to go. */
export function shareOfChange(from: number | null, value: number | null, to: number | null): number | null {
  if (from === null || value === null || to === null || to === from) return null;
  const share = (value - from) / (to - from);
  return Math.min(Math.max(share, 0), 1);
}

export function progress(input: ProgressInput, thresholds: ProgressThresholds = DEFAULT_THRESHOLDS): Progress {
  const { target, actual, elapsed, seasonal, higherIsBetter } = input;
  const base = input.kind === 'FLOW' ? 0 : (input.baseline ?? 0);
  const along = (share: number | null) => (target === null || share === null ? null : base + (target - base) * share);
  const projected = (share: number | null) => (actual === null || share === null || share === 0 ? null : base + (actual - base) / share);
  const expectedLinear = along(elapsed);
  const expectedSeasonal = along(seasonal);
  const result: Progress = {
    percentAchieved: null,
    expectedLinear,
    expectedSeasonal,
    projectedLinear: projected(elapsed),
    projectedSeasonal: projected(seasonal),
    pace: target === null ? null : seasonal === null ? 'LINEAR' : 'SEASONAL',
    paceShare: null,
    status: 'NO_TARGET',
  };
  if (target === null) return result;
  if (actual === null) return { ...result, status: 'NO_DATA' };
  result.percentAchieved = higherIsBetter ? (target === 0 ? null : (100 * actual) / target) : actual === 0 ? null : (100 * target) / actual;
  const expected = (expectedSeasonal ?? expectedLinear)!;
  // The progress asked for by today, and the progress made, both in the good direction.
  const sign = higherIsBetter ? 1 : -1;
  const asked = sign * (expected - base);
  const made = sign * (actual - base);
  result.paceShare = asked > 0 ? made / asked : null;
  if (higherIsBetter ? actual >= target : actual <= target) return { ...result, status: 'ACHIEVED' };
  if (asked <= 0) return { ...result, status: sign * (actual - expected) >= 0 ? 'ON_TRACK' : 'BEHIND' };
  const share = made / asked;
  return { ...result, status: share >= thresholds.onTrack ? 'ON_TRACK' : share >= thresholds.atRisk ? 'AT_RISK' : 'BEHIND' };
}
