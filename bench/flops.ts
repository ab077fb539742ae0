/**
 * FLOPs of one training step of the dual encoder (multiply-add = 2 FLOPs), so measured step times
 * can be turned into achieved GFLOP/s. Counts the matrix products, which dominate; layer norms,
 * softmax, GELU and the InfoNCE head are left out (they are O(L·H), not O(L·H²)).
 * Backward ≈ 2× forward for matrix products, hence the factor 3 for a training step.
 */
export interface StepShape {
  hidden: number;
  layers: number;
  intermediate: number;
  /** sequences encoded per step: queries + positives + hard negatives = 3 × batch */
  sequences: number;
  seqLen: number;
}

export function forwardFlops({ hidden: h, layers, intermediate: i, sequences, seqLen: l }: StepShape): number {
  const projections = 4 * l * h * h * 2; // Q, K, V, attention output
  const ffn = 2 * l * h * i * 2; // intermediate and output dense
  const attention = 2 * l * l * h * 2; // QKᵀ and P·V over all heads
  return sequences * layers * (projections + ffn + attention);
}

export function trainStepFlops(shape: StepShape): number {
  return 3 * forwardFlops(shape);
}
