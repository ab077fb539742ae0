/**
 * The domain-adversarial baseline (notes/paper-method.md §5.1 DANN, §5.2 our recipe): a language
 * discriminator on the pooled, L2-normalised query AND passage embeddings, connected through a
 * gradient-reversal layer (GRL). In one backward pass
 *  - the discriminator's own variables get +∂L_adv/∂φ (it learns to tell languages apart; DANN's fixed
 *    λ = 1 for the domain classifier),
 *  - the encoder gets −λ_p·∂L_adv/∂θ through the GRL (it learns to hide the language),
 * with λ_p = λ_max · (2 / (1 + e^(−10p)) − 1), p = step / totalSteps (DANN, γ = 10).
 *
 * Discriminator: d → h → K, ReLU, optional dropout, no BatchNorm (it would leak the batch's language),
 * logits clamped to [−5, 5] (MoDIR's stabiliser), cross-entropy against the text's language.
 * Linear weights use torch's [out, in] layout and torch's default init U(−1/√in, 1/√in), drawn from our
 * seeded RNG so the initial weights are the same on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import { Mulberry32 } from '../metrics/rng';

/** Logits are clamped to ±this (MoDIR `domain_classifier.py`). */
export const LOGIT_CLAMP = 5;

/**
 * Gradient reversal: forward y = x, backward dx = −λ·dy.
 * @param lambda λ ≥ 0 (a constant of this call; the schedule is applied by the caller)
 */
export function gradientReversal<T extends tf.Tensor>(x: T, lambda: number): T {
  const reverse = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.clone(inputs[0] as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => [tf.mul(dy, -lambda)],
  }));
  return reverse(x) as T;
}

/**
 * DANN's schedule λ_p = λ_max · (2 / (1 + exp(−10 p)) − 1) with p = step / totalSteps ∈ [0, 1]
 * (§5.1; 0 at the start, → λ_max at the end).
 * @param step 0-based update index
 */
export function dannLambda(step: number, totalSteps: number, lambdaMax: number): number {
  const p = totalSteps > 0 ? Math.min(1, Math.max(0, step / totalSteps)) : 1;
  return lambdaMax * (2 / (1 + Math.exp(-10 * p)) - 1);
}

export interface DiscriminatorOptions {
  /** embedding size d */
  inputDim: number;
  /** hidden size h */
  hidden: number;
  /** K classes = the training languages, in label order */
  numClasses: number;
  /** seed for the initial weights */
  seed: number;
  /** dropout rate on the hidden layer during training (default 0) */
  dropout?: number;
  /** prefix for the engine-global tf.Variable names; unique per instance */
  namePrefix: string;
}

/** Variable names inside the discriminator (torch [out, in] layout). */
export const DISCRIMINATOR_VARIABLES = ['dense1.weight', 'dense1.bias', 'dense2.weight', 'dense2.bias'] as const;

function uniformInit(rng: Mulberry32, size: number, bound: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (2 * rng.float() - 1) * bound;
  return out;
}

export class LanguageDiscriminator {
  readonly numClasses: number;
  readonly dropout: number;
  private readonly vars: Record<string, tf.Variable>;

  constructor(o: DiscriminatorOptions) {
    if (!(o.numClasses >= 2)) throw new RangeError(`a language discriminator needs at least 2 languages (got ${o.numClasses})`);
    this.numClasses = o.numClasses;
    this.dropout = o.dropout ?? 0;
    const rng = new Mulberry32(o.seed);
    const b1 = 1 / Math.sqrt(o.inputDim);
    const b2 = 1 / Math.sqrt(o.hidden);
    const make = (name: string, shape: number[], bound: number) => {
      const init = tf.tensor(
        uniformInit(
          rng,
          shape.reduce((a, b) => a * b, 1),
          bound,
        ),
        shape,
      );
      const v = tf.variable(init, true, `${o.namePrefix}/${name}`);
      init.dispose();
      return v;
    };
    this.vars = {
      'dense1.weight': make('dense1.weight', [o.hidden, o.inputDim], b1),
      'dense1.bias': make('dense1.bias', [o.hidden], b1),
      'dense2.weight': make('dense2.weight', [o.numClasses, o.hidden], b2),
      'dense2.bias': make('dense2.bias', [o.numClasses], b2),
    };
  }

  /** the discriminator's variables, keyed by {@link DISCRIMINATOR_VARIABLES} */
  variables(): Record<string, tf.Variable> {
    return { ...this.vars };
  }

  /**
   * @param z [N, d] embeddings
   * @returns [N, K] logits, clamped to ±{@link LOGIT_CLAMP}
   */
  logits(z: tf.Tensor2D, options: { training: boolean; dropoutSeed?: number }): tf.Tensor2D {
    return tf.tidy(() => {
      let h = tf.relu(tf.add(tf.matMul(z, this.vars['dense1.weight']!, false, true), this.vars['dense1.bias']!));
      if (options.training && this.dropout > 0) h = tf.dropout(h, this.dropout, undefined, options.dropoutSeed);
      const out = tf.add(tf.matMul(h, this.vars['dense2.weight']!, false, true), this.vars['dense2.bias']!);
      return tf.clipByValue(out, -LOGIT_CLAMP, LOGIT_CLAMP) as tf.Tensor2D;
    });
  }

  dispose(): void {
    for (const v of Object.values(this.vars)) v.dispose();
  }
}

export interface AdversarialOutput {
  /** mean cross-entropy of the discriminator over the N inputs (scalar, nats) */
  loss: tf.Scalar;
  /** fraction of the N inputs whose language the discriminator got right (scalar) */
  accuracy: tf.Scalar;
}

/**
 * The adversarial term for one batch: CE(D(GRL_λ(z)), language). Differentiate the returned `loss` with
 * the encoder's and the discriminator's variables together (one `variableGrads` call).
 *
 * @param z [N, d] pooled embeddings of the batch's queries and passages
 * @param labels N language labels in [0, K)
 * @param lambda the GRL scale λ_p of this step
 */
export function adversarialLoss(discriminator: LanguageDiscriminator, z: tf.Tensor2D, labels: Int32Array, lambda: number, options: { training: boolean; dropoutSeed?: number }): AdversarialOutput {
  const [n] = z.shape;
  if (labels.length !== n) throw new RangeError(`${labels.length} labels for ${n} embeddings`);
  for (const l of labels) if (l < 0 || l >= discriminator.numClasses) throw new RangeError(`label ${l} is outside [0, ${discriminator.numClasses})`);
  return tf.tidy(() => {
    const logits = discriminator.logits(gradientReversal(z, lambda), options);
    const target = tf.oneHot(tf.tensor1d(labels, 'int32'), discriminator.numClasses).cast('float32');
    const loss = tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits, 1), target))).div(n) as tf.Scalar;
    const accuracy = tf.mean(tf.equal(tf.argMax(logits, 1), tf.tensor1d(labels, 'int32')).cast('float32')) as tf.Scalar;
    return { loss, accuracy };
  });
}
