/**
 * "n up, m down of k": cells significant after Holm at `alpha`, by the sign of their difference (as `xlir
 * compare` and the study report count them).
 */
export function significantCells(cells: readonly { diff: number; pHolm: number }[], alpha: number): string {
  const up = cells.filter((c) => c.pHolm < alpha && c.diff > 0).length;
  const down = cells.filter((c) => c.pHolm < alpha && c.diff < 0).length;
  return `${up} up, ${down} down of ${cells.length}`;
}
