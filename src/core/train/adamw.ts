/**
 * AdamW (Loshchilov & Hutter 2019; the paper's optimiser, notes/paper-method.md §1.1: weight decay 1e-2)
 * written on plain tensors instead of `tf.train.adam`, because
 *  - ε must be explicit: tfjs's default comes from the backend (`backend.epsilon()`, 1e-7 on cpu/wasm
 *    but 1e-4 on webgl without float32), so the same config would train differently per backend;
 *  - decay must be decoupled (tfjs's Adam has none) and skip biases and LayerNorm parameters;
 *  - the state (m, v per variable, step) must export to named Float32Arrays for checkpoints and import
 *    back bit for bit (notes/checkpoints.md §5).
 *
 * One step, t ← t + 1, for each variable θ with gradient g (PyTorch's `torch.optim.AdamW` order):
 *   θ ← θ · (1 − lr·wd)          (only for decayed variables, see {@link decaysWeight})
 *   m ← β1·m + (1 − β1)·g
 *   v ← β2·v + (1 − β2)·g²
 *   θ ← θ − lr · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε)
 * Variables without a gradient this step are left alone (as PyTorch skips `grad is None`).
 */
import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from '../errors';

export interface AdamWConfig {
  beta1?: number;
  beta2?: number;
  /** ε added to √v̂; always explicit (see the module comment) */
  epsilon: number;
  /** decoupled weight decay coefficient (multiplied by the learning rate) */
  weightDecay: number;
}

/** One exported slot tensor. */
export interface SlotTensor {
  shape: number[];
  data: Float32Array;
}

/** The optimiser state as plain data: slots `"<name>/m"` and `"<name>/v"` per variable, and the step t. */
export interface AdamWState {
  step: number;
  slots: Record<string, SlotTensor>;
}

/**
 * Whether weight decay applies to a variable: matrices (rank ≥ 2) only, and never a name with `bias` or
 * `LayerNorm`/`layer_norm`/`norm` in it. This is BERT's and HF's `no_decay = ["bias", "LayerNorm.weight"]`
 * convention, made robust to naming: biases and LayerNorm gains are rank 1, and decaying a LayerNorm
 * gain towards 0 would shrink activations rather than regularise.
 */
export function decaysWeight(name: string, shape: readonly number[]): boolean {
  return shape.length >= 2 && !/bias|layernorm|layer_norm|(^|[._/])norm([._/]|$)/i.test(name);
}

interface Slots {
  m: tf.Tensor;
  v: tf.Tensor;
}

export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  private t = 0;
  private readonly slots = new Map<string, Slots>();

  /** @param variables the variables to update, keyed by a stable name (HF tensor names); order is kept */
  constructor(
    private readonly variables: Record<string, tf.Variable>,
    config: AdamWConfig,
  ) {
    this.beta1 = config.beta1 ?? 0.9;
    this.beta2 = config.beta2 ?? 0.999;
    this.epsilon = config.epsilon;
    this.weightDecay = config.weightDecay;
    for (const [what, x, lo, hi] of [
      ['beta1', this.beta1, 0, 1],
      ['beta2', this.beta2, 0, 1],
    ] as const) {
      if (!(x >= lo && x < hi)) throw new RangeError(`AdamW ${what} must be in [${lo}, ${hi}) (got ${x})`);
    }
    if (!(this.epsilon > 0)) throw new RangeError(`AdamW epsilon must be > 0 (got ${this.epsilon})`);
    if (!(this.weightDecay >= 0)) throw new RangeError(`AdamW weightDecay must be ≥ 0 (got ${this.weightDecay})`);
    for (const [name, v] of Object.entries(variables)) {
      this.slots.set(name, { m: tf.keep(tf.zerosLike(v)), v: tf.keep(tf.zerosLike(v)) });
    }
  }

  /** updates done so far (t) */
  get step(): number {
    return this.t;
  }

  /**
   * One AdamW update.
   * @param grads gradients keyed like the constructor's variables (missing ones: variable not updated)
   * @param lr the learning rate of this step
   */
  apply(grads: Record<string, tf.Tensor | undefined>, lr: number): void {
    if (!(lr >= 0) || !Number.isFinite(lr)) throw new RangeError(`learning rate must be a finite number ≥ 0 (got ${lr})`);
    for (const name of Object.keys(grads)) if (!(name in this.variables)) throw new RangeError(`gradient for unknown variable "${name}"`);
    this.t += 1;
    const bc1 = 1 - this.beta1 ** this.t;
    const bc2 = 1 - this.beta2 ** this.t;
    for (const [name, variable] of Object.entries(this.variables)) {
      const g = grads[name];
      if (!g) continue;
      const slot = this.slots.get(name)!;
      const next = tf.tidy(() => {
        const m = tf.add(tf.mul(slot.m, this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(slot.v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), this.epsilon);
        const decayed = decaysWeight(name, variable.shape) && this.weightDecay > 0 ? tf.mul(variable, 1 - lr * this.weightDecay) : variable;
        const theta = tf.sub(decayed, tf.mul(tf.div(m, denom), lr / bc1));
        return { m, v, theta };
      });
      variable.assign(next.theta);
      next.theta.dispose();
      slot.m.dispose();
      slot.v.dispose();
      slot.m = next.m;
      slot.v = next.v;
    }
  }

  /** The state as named Float32Arrays (copies), for `optimizer.safetensors`. */
  async exportState(): Promise<AdamWState> {
    const slots: Record<string, SlotTensor> = {};
    for (const [name, slot] of this.slots) {
      slots[`${name}/m`] = { shape: [...slot.m.shape], data: (await slot.m.data()) as Float32Array };
      slots[`${name}/v`] = { shape: [...slot.v.shape], data: (await slot.v.data()) as Float32Array };
    }
    return { step: this.t, slots };
  }

  /**
   * Restores a state written by {@link exportState}; every variable's m and v must be present with its shape.
   * @throws CheckpointError naming the missing or misshapen slot
   */
  importState(state: AdamWState, source = 'optimizer state'): void {
    if (!Number.isInteger(state.step) || state.step < 0) throw new CheckpointError(`${source}: step must be an integer ≥ 0 (got ${state.step})`);
    const incoming = new Map<string, Slots>();
    for (const [name, variable] of Object.entries(this.variables)) {
      const pair: tf.Tensor[] = [];
      for (const which of ['m', 'v'] as const) {
        const slot = state.slots[`${name}/${which}`];
        if (!slot) throw new CheckpointError(`${source}: missing slot "${name}/${which}"`);
        const size = variable.shape.reduce((a, b) => a * b, 1);
        if (slot.shape.join(',') !== variable.shape.join(',') || slot.data.length !== size) {
          throw new CheckpointError(`${source}: slot "${name}/${which}" has shape [${slot.shape}], the variable has [${variable.shape}]`);
        }
        pair.push(tf.keep(tf.tensor(slot.data, variable.shape, 'float32')));
      }
      incoming.set(name, { m: pair[0]!, v: pair[1]! });
    }
    for (const slot of this.slots.values()) {
      slot.m.dispose();
      slot.v.dispose();
    }
    this.slots.clear();
    for (const [name, slot] of incoming) this.slots.set(name, slot);
    this.t = state.step;
  }

  dispose(): void {
    for (const slot of this.slots.values()) {
      slot.m.dispose();
      slot.v.dispose();
    }
    this.slots.clear();
  }
}
