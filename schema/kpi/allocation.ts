// Allocating a unit's target to its children, and how far the children's targets fall short
// of it: pure arithmetic, redone by hand in docs/leadership.md.

/**
 * Splits a whole `total` in proportion to `weights` (≥ 0, not all 0) into whole parts that
 * add up to it exactly (the largest-remainder method): each part is the floor of its share,
 * and what is left goes one by one to the largest remainders, the earlier weight first on a
 * tie. Exact: computed in integers.
 */
export function largestRemainder(total: number, weights: readonly number[]): number[] {
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError(`the total must be a whole number ≥ 0 (got ${total})`);
  if (weights.some((w) => !Number.isSafeInteger(w) || w < 0)) throw new RangeError('weights must be whole numbers ≥ 0');
  const sum = weights.reduce((a, b) => a + BigInt(b), 0n);
  if (sum === 0n) throw new RangeError('the weights add up to 0');
  const shares = weights.map((w) => BigInt(total) * BigInt(w));
  const parts = shares.map((s) => s / sum);
  let left = BigInt(total) - parts.reduce((a, b) => a + b, 0n);
  const order = shares.map((s, i) => ({ i, rest: s % sum })).sort((a, b) => (a.rest === b.rest ? a.i - b.i : a.rest > b.rest ? -1 : 1));
  for (const { i } of order) {
    if (left === 0n) break;
    parts[i]! += 1n;
    left -= 1n;
  }
  return parts.map(Number);
}

/**
 * What the children's targets add up to: their sum for a count; for a ratio, their mean
 * weighted by each child's denominator (what the ratio is a share of), which is the
 * parent's percentage when every child meets its target. Children without a target are
 * left out; null when none is left (or, for a ratio, their denominators are all 0).
 */
export function allocatedTotal(ratio: boolean, children: readonly { target: number | null; weight: number | null }[]): number | null {
  const set = children.filter((c) => c.target !== null);
  if (set.length === 0) return null;
  if (!ratio) return set.reduce((a, c) => a + c.target!, 0);
  const weight = set.reduce((a, c) => a + (c.weight ?? 0), 0);
  if (weight === 0) return null;
  return set.reduce((a, c) => a + c.target! * (c.weight ?? 0), 0) / weight;
}
