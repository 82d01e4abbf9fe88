// Data-quality flags: a month of a unit's reports far outside the unit's own history, by a
// robust z-score (Iglewicz and Hoaglin's modified z-score, on the median and the median
// absolute deviation), as DHIS2's outlier detection does. Pure arithmetic, redone by hand in
// docs/leadership.md.

/** The least number of earlier months with reports (of the 12 before) for a month to be assessed. */
export const MIN_HISTORY = 6;
/** A month is flagged when its modified z-score is above this, either way. */
export const Z_THRESHOLD = 3.5;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface Outlier {
  median: number;
  /** The median absolute deviation from the median. */
  mad: number;
  /** The modified z-score: 0.6745 × (total − median) ÷ MAD; with a MAD of 0, (total − median) ÷ (1.253314 × mean absolute deviation); ±Infinity when that is 0 too. */
  score: number;
  flagged: boolean;
}

/**
 * Assesses a month's total against the unit's earlier months: null when there are fewer than
 * MIN_HISTORY of them (too little to tell).
 */
export function assess(total: number, history: readonly number[]): Outlier | null {
  if (history.length < MIN_HISTORY) return null;
  const m = median(history);
  const deviations = history.map((h) => Math.abs(h - m));
  const mad = median(deviations);
  let score: number;
  if (mad > 0) score = (0.6745 * (total - m)) / mad;
  else {
    const meanAd = deviations.reduce((a, b) => a + b, 0) / deviations.length;
    score = meanAd > 0 ? (total - m) / (1.253314 * meanAd) : total === m ? 0 : (total - m) * Infinity;
  }
  return { median: m, mad, score, flagged: Math.abs(score) > Z_THRESHOLD };
}
