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
 *
 * On WebGPU the update runs fused: the variables of a group (same decay, at most
 * {@link FUSED_GROUP_ELEMENTS} elements) are concatenated, updated by one string of element-wise kernels
 * and split back. A WebGPU step is bound by tfjs's dispatch of each kernel on the CPU (bench/RESULTS.md, "What
 * the H200 figures say"): the per-variable update launched about fourteen kernels for every weight tensor.
 * Every element sees the same operations in the same order either way, so both paths give the same bits;
 * on cpu/wasm, where the extra copies would cost more than the launches they save, the update stays per variable
 * (and on webgl, where it was not measured). On wasm each variable's update is then one kernel of our own
 * (src/core/model/wasmAdamW.ts, registered as ADAMW_KERNEL) that runs the same float32 operations in the same
 * order in one pass: the same bits again (src/core/model/wasmKernels.test.ts compares them).
 */
import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from '../errors';
import { ADAMW_KERNEL, type AdamWStepAttrs } from '../model/fusedKernelNames';

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

/**
 * Largest fused group: bounds the transient copies (variables, gradients, m, v and the results, each once) to
 * a few tens of megabytes whatever the model's size. A larger variable is updated on its own.
 */
export const FUSED_GROUP_ELEMENTS = 1 << 22;

/** Backends whose per-kernel dispatch outweighs the copies of a fused update (measured on webgpu only). */
const FUSING_BACKENDS = new Set(['webgpu']);

export interface FusedUpdate {
  /** `'auto'` (default): fused on webgpu only; `true`/`false` force it (tests compare the two paths) */
  fused?: boolean | 'auto';
  /** the group cap (default {@link FUSED_GROUP_ELEMENTS}) */
  groupElements?: number;
}

/** The per-step constants of one update. */
interface StepScalars {
  lr: number;
  bc1: number;
  bc2: number;
}

export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  private t = 0;
  private readonly slots = new Map<string, Slots>();

  /**
   * @param variables the variables to update, keyed by a stable name (HF tensor names); order is kept
   * @param fusion whether to update groups of variables at once (see the module comment); results are identical
   */
  constructor(
    private readonly variables: Record<string, tf.Variable>,
    config: AdamWConfig,
    private readonly fusion: FusedUpdate = {},
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
    const step: StepScalars = { lr, bc1: 1 - this.beta1 ** this.t, bc2: 1 - this.beta2 ** this.t };
    const names = Object.keys(this.variables).filter((name) => grads[name]);
    const fused = this.fusion.fused ?? 'auto';
    const fuse = fused === 'auto' ? FUSING_BACKENDS.has(tf.getBackend()) : fused;
    const cap = this.fusion.groupElements ?? FUSED_GROUP_ELEMENTS;
    if (!fuse) {
      for (const name of names) this.updateGroup([name], grads, step);
      return;
    }
    for (const decay of [true, false]) {
      let group: string[] = [];
      let elements = 0;
      for (const name of names.filter((n) => this.decays(n) === decay)) {
        const size = this.variables[name]!.size;
        if (group.length && elements + size > cap) {
          this.updateGroup(group, grads, step);
          group = [];
          elements = 0;
        }
        group.push(name);
        elements += size;
      }
      if (group.length) this.updateGroup(group, grads, step);
    }
  }

  private decays(name: string): boolean {
    return this.weightDecay > 0 && decaysWeight(name, this.variables[name]!.shape);
  }

  /** Updates variables that share their decay, as one flat tensor when there are several. */
  private updateGroup(names: string[], grads: Record<string, tf.Tensor | undefined>, { lr, bc1, bc2 }: StepScalars): void {
    const variables = names.map((n) => this.variables[n]!);
    const slots = names.map((n) => this.slots.get(n)!);
    const flat = (ts: tf.Tensor[]) => (ts.length === 1 ? ts[0]! : tf.concat(ts.map((t) => tf.reshape(t, [-1]))));
    const decay = this.decays(names[0]!);
    if (names.length === 1 && tf.getKernel(ADAMW_KERNEL, tf.getBackend())) {
      // the backend's one-pass update (wasm): the same operations, the same bits (src/core/model/wasmAdamW.ts)
      const attrs: AdamWStepAttrs = { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, decay: decay ? 1 - lr * this.weightDecay : 1, sqrtBc2: Math.sqrt(bc2), stepSize: lr / bc1 };
      const [theta, m, v] = tf.engine().runKernel(ADAMW_KERNEL, { theta: variables[0]!, g: grads[names[0]!]!, m: slots[0]!.m, v: slots[0]!.v }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      variables[0]!.assign(theta!);
      theta!.dispose();
      slots[0]!.m.dispose();
      slots[0]!.v.dispose();
      slots[0]!.m = m!;
      slots[0]!.v = v!;
      return;
    }
    const next = tf.tidy(() => {
      const g = flat(names.map((n) => grads[n]!));
      const m = tf.add(tf.mul(flat(slots.map((s) => s.m)), this.beta1), tf.mul(g, 1 - this.beta1));
      const v = tf.add(tf.mul(flat(slots.map((s) => s.v)), this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
      const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), this.epsilon);
      const theta = flat(variables);
      const decayed = decay ? tf.mul(theta, 1 - lr * this.weightDecay) : theta;
      const updated = tf.sub(decayed, tf.mul(tf.div(m, denom), lr / bc1));
      if (names.length === 1) return { m: [m], v: [v], theta: [updated] };
      const sizes = variables.map((x) => x.size);
      const unflat = (t: tf.Tensor) => tf.split(t, sizes).map((part, i) => tf.reshape(part, variables[i]!.shape));
      return { m: unflat(m), v: unflat(v), theta: unflat(updated) };
    });
    variables.forEach((variable, i) => {
      variable.assign(next.theta[i]!);
      next.theta[i]!.dispose();
      const slot = slots[i]!;
      slot.m.dispose();
      slot.v.dispose();
      slot.m = next.m[i]!;
      slot.v = next.v[i]!;
    });
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
