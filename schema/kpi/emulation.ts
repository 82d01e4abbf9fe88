// Emulation (thi đua) scoring: a framework of weighted criteria turns each unit's KPIs into
// points and a score, and units are ranked on their scores. Pure arithmetic, redone by
// hand in docs/leadership.md.
import type { KpiId } from '../../domain/catalogue.js';

export type Scoring = { method: 'PERCENT_OF_TARGET' } | { method: 'BANDS'; bands: { from: number; points: number }[] };

export interface Criterion {
  kpi: KpiId;
  /** How much the criterion counts against the others (any positive number). */
  weight: number;
  scoring: Scoring;
}

/**
 * The points (0–100) of one criterion:
 * - PERCENT_OF_TARGET: the % of its target the unit has achieved, at most 100; 0 without a target or a value;
 * - BANDS: the points of the last band whose `from` the value reaches (bands ascending); 0 below the first, or without a value.
 */
export function criterionPoints(scoring: Scoring, value: number | null, percentAchieved: number | null): number {
  if (scoring.method === 'PERCENT_OF_TARGET') return percentAchieved === null ? 0 : Math.min(100, Math.max(0, percentAchieved));
  if (value === null) return 0;
  let points = 0;
  for (const band of scoring.bands) if (value >= band.from) points = band.points;
  return points;
}

/** The score: the criteria's points averaged by weight, rounded to 0.01 (so that equal scores are equal). */
export function weightedScore(criteria: readonly { weight: number; points: number }[]): number {
  const weight = criteria.reduce((a, c) => a + c.weight, 0);
  if (weight === 0) return 0;
  return Math.round((100 * criteria.reduce((a, c) => a + c.weight * c.points, 0)) / weight) / 100;
}

/**
 * Ranks by score, highest first; equal scores share the better rank and the next rank skips
 * as many ("1, 2, 2, 4": competition ranking); within a tie, by code. Returns the entries in
 * rank order, each with its rank.
 */
export function rankByScore<T extends { score: number; code: string }>(entries: readonly T[]): (T & { rank: number })[] {
  const sorted = [...entries].sort((a, b) => b.score - a.score || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  let rank = 0;
  return sorted.map((e, i) => {
    if (i === 0 || e.score !== sorted[i - 1]!.score) rank = i + 1;
    return { ...e, rank };
  });
}
