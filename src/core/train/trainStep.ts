/**
 * One update of the dual encoder (notes/paper-method.md §1, §5.2), the step `runTraining` takes at every
 * step and `bench/trainStep.ts` times, so the benchmark measures the shipped code (issue 22):
 *   L ← InfoNCE(q, [d⁺; d⁻]; τ) [+ w · CE(D(GRL_λ(z)), language) for the adversarial strategy]
 *   {L, ∇} ← tf.variableGrads(L, varList)   (always an explicit varList, house rule 11)
 *   clip ∇ by global norm, AdamW step (encoder; the discriminator with its own AdamW)
 * Adversarial runs also measure, every 10th step, how large the adversary's gradient at the encoder is
 * beside the retrieval loss's (`gradientNorms`, issue 23 item 5): one more backward, nothing applied.
 * With `backwardChunkRows` the gradients come from the chunked backward of gradientCache.ts (the same loss
 * and gradients, up to float rounding, holding one chunk's activations at a time: issue 25).
 * The step owns the optimisers and the discriminator (checkpoints read and restore them through it); the
 * caller tokenizes the batch. Dropout seeds derive from `config.seed` and the step number.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, XlirError } from '../errors';
import type { RunConfig } from '../experiment/runConfig';
import type { TokenBatch, TrainableEncoder } from '../model/types';
import { AdamW, type FusedUpdate } from './adamw';
import { adversarialLoss, dannLambda, LanguageDiscriminator } from './adversary';
import { clipByGlobalNorm } from './clipByGlobalNorm';
import { squaredNorm } from './squaredNorm';
import { chunkedGradients, type Tower } from './gradientCache';
import { infoNCELoss } from './infoNCE';
import { learningRate } from './learningRate';
import { deriveSeed } from '../metrics/rng';

/** The loss or the gradient became NaN/∞: the update was not applied, the last checkpoint is intact. */
export class TrainingDivergedError extends XlirError {
  readonly step: number;
  readonly lastCheckpointStep: number | null;
  constructor(step: number, what: string, lastCheckpointStep: number | null) {
    const keep = lastCheckpointStep === null ? 'no checkpoint was written yet' : `the last good checkpoint is step ${lastCheckpointStep}`;
    // CONFIG: the remedy is a config change (lower lr, clipNorm or λ_max), not a code fix.
    super('CONFIG', `training diverged at step ${step}: ${what} is not finite; the update was not applied and ${keep} (try a lower lr)`);
    this.name = 'TrainingDivergedError';
    this.step = step;
    this.lastCheckpointStep = lastCheckpointStep;
  }
}

/** What one update reads of a run config (a bench drives the step without a dataset). */
export type StepConfig = Pick<RunConfig, 'seed' | 'steps' | 'tau' | 'lr' | 'warmupSteps' | 'lrSchedule' | 'clipNorm' | 'epsilon' | 'weightDecay' | 'strategy'>;

/** A tokenized batch of B triplets. */
export interface StepInput {
  /** B queries ("Query: " + question) */
  queries: TokenBatch;
  /** 2B passages ("Passage: " + sentence): the B positives, then the B hard negatives */
  passages: TokenBatch;
  /** one key per passage (its text): equal keys are not negatives of each other (infoNCE.ts) */
  passageKeys?: readonly string[];
  /** adversarial strategy: the language index of each row of [queries; passages] */
  languageLabels?: Int32Array;
}

/** The numbers of one applied update. */
export interface StepNumbers {
  loss: number;
  retrievalLoss: number;
  advLoss: number | null;
  discAcc: number | null;
  lr: number;
  lambda: number | null;
  /** the encoder's gradient norm before clipping */
  gradNorm: number;
  /** adversarial strategy, on measured steps ({@link TrainingStepOptions.gradientRatioEvery}): the two terms' gradients at the encoder */
  gradientNorms?: EncoderGradientNorms;
}

/**
 * Does the adversary act (issue 23, item 5)? The global L2 norms, over the encoder's parameters, of the
 * gradient of the retrieval loss and of the adversarial term as it enters the update (w · L_adv through
 * the GRL, so reversed and λ-scaled), and their ratio ‖g_adv‖ / ‖g_ret‖.
 */
export interface EncoderGradientNorms {
  retrieval: number;
  adversarial: number;
  /** ‖g_adv‖ / ‖g_ret‖ (0 when g_adv is 0; null when only g_ret is) */
  ratio: number | null;
}

/** √(Σ_k ‖g_k‖²) in key order, as `clipByGlobalNorm` sums it, read without copying the gradients. */
async function globalNorm(grads: Record<string, tf.Tensor>): Promise<number> {
  const t = tf.tidy(() => {
    const names = Object.keys(grads);
    return names.length === 0 ? tf.scalar(0) : tf.sqrt(tf.addN(names.map((n) => squaredNorm(grads[n]!))));
  });
  try {
    return (await t.data())[0]!;
  } finally {
    t.dispose();
  }
}

/** Adversarial runs measure {@link EncoderGradientNorms} every this many steps (and at the last step) by default. */
export const GRADIENT_RATIO_EVERY = 10;

/** The loss and gradients of one step, before any check or update (`TrainingStep.gradients`). */
export interface StepGradients {
  value: tf.Scalar;
  /** by the encoder's (resp. discriminator's) variable names */
  encoder: Record<string, tf.Tensor>;
  discriminator: Record<string, tf.Tensor>;
  /** the retrieval loss, and for the adversarial strategy its loss and accuracy (kept; disposed with the rest) */
  aux: { retrieval?: tf.Scalar; adv?: tf.Scalar; acc?: tf.Scalar };
  /** every tensor above */
  tensors: tf.Tensor[];
}

/** One update, with the state it carries from step to step (optimisers, discriminator). */
export interface TrainingStep {
  /** the encoder's trainable variables, sorted by name (the gradient-norm sum runs in this order) */
  readonly encoderVariables: Readonly<Record<string, tf.Variable>>;
  readonly encoderOptimizer: AdamW;
  readonly discriminator: LanguageDiscriminator | null;
  readonly discriminatorVariables: Readonly<Record<string, tf.Variable>>;
  readonly discriminatorOptimizer: AdamW | null;
  /** the loss of step `k` (1-based) on `input`: the function `tf.variableGrads` differentiates */
  loss(k: number, input: StepInput, aux?: StepGradients['aux']): tf.Scalar;
  /**
   * forward with tape and backward (with `backwardChunkRows`, the chunked backward of gradientCache.ts);
   * the caller disposes `tensors`
   */
  gradients(k: number, input: StepInput): StepGradients;
  /**
   * One whole update of step `k`: gradients, checks, clipping, AdamW.
   * @param lastCheckpointStep named in a TrainingDivergedError
   * @throws TrainingDivergedError when the loss or a gradient norm is not finite (nothing is applied)
   */
  run(k: number, input: StepInput, lastCheckpointStep?: number | null): Promise<StepNumbers>;
  /**
   * The gradient norms of the retrieval and the adversarial term at the encoder for step `k` on `input`
   * (adversarial strategy; null otherwise), applying nothing. `encoderTotal`: the step's own total
   * gradient, when the caller has it (saves a backward pass).
   */
  gradientNorms(k: number, input: StepInput, encoderTotal?: Record<string, tf.Tensor>): Promise<EncoderGradientNorms | null>;
  dispose(): void;
}

/** What the step needs beyond the config. */
export interface TrainingStepOptions {
  /** the discriminator's classes (the training languages): required by the adversarial strategy */
  numLanguages?: number;
  /**
   * Adversarial strategy: measure {@link EncoderGradientNorms} at steps that are multiples of this and at
   * `config.steps` (default {@link GRADIENT_RATIO_EVERY}; 0: never). A measurement costs one more forward
   * and backward pass, and leaves the update as it was.
   */
  gradientRatioEvery?: number;
  /**
   * Run the backward pass on at most this many sequences at a time (gradientCache.ts): embed the whole batch
   * without a tape, take ∂L/∂embeddings, then re-run and backpropagate each chunk. Same loss and gradients up
   * to float rounding (dropout masks included), one more encoder forward pass, and activation memory for one
   * chunk instead of the batch. Default: none, the whole batch in one backward pass (bit-identical to before);
   * a batch with no tower longer than this also runs that way.
   */
  backwardChunkRows?: number;
  /** the optimisers' fused update (adamw.ts; default: on webgpu only); the same numbers either way */
  optimizerFusion?: FusedUpdate;
}

let discriminatorInstances = 0;

/**
 * Builds the step of `config` over the encoder's trainable variables, with fresh optimisers (and a
 * discriminator seeded from `config.seed` for the adversarial strategy); `runTraining` restores them from
 * a checkpoint when resuming. The caller disposes it.
 * @throws ConfigError when the encoder has no trainable variables, or the adversarial strategy lacks `numLanguages`
 */
export function createTrainingStep(config: StepConfig, encoder: TrainableEncoder, options: TrainingStepOptions = {}): TrainingStep {
  // Sorted by name: an encoder built from a checkpoint lists its variables in file order, so a fixed
  // order is what keeps a resumed run bit-identical.
  const trainables = encoder.trainableVariables();
  const encNames = Object.keys(trainables).sort();
  if (encNames.length === 0) throw new ConfigError('the encoder has no trainable variables');
  const encVars: Record<string, tf.Variable> = {};
  for (const name of encNames) encVars[name] = trainables[name]!;
  const adamConfig = { epsilon: config.epsilon, weightDecay: config.weightDecay };
  const encOpt = new AdamW(encVars, adamConfig, options.optimizerFusion);
  const adversarial = config.strategy.kind === 'adversarial' ? config.strategy : null;
  if (adversarial && options.numLanguages === undefined) throw new ConfigError('the adversarial strategy needs the number of training languages');
  const disc = adversarial
    ? new LanguageDiscriminator({
        inputDim: encoder.dim,
        hidden: adversarial.discriminatorHidden,
        numClasses: options.numLanguages!,
        seed: deriveSeed(config.seed, 'discriminator'),
        dropout: adversarial.discriminatorDropout,
        namePrefix: `discriminator-${discriminatorInstances++}`,
      })
    : null;
  const discVars = disc ? disc.variables() : {};
  const discOpt = disc ? new AdamW(discVars, adamConfig, options.optimizerFusion) : null;
  const varList = [...Object.values(encVars), ...Object.values(discVars)];
  const lambdaAt = (k: number) => (adversarial ? dannLambda(k - 1, config.steps, adversarial.lambdaMax) : null);

  const ratioEvery = options.gradientRatioEvery ?? GRADIENT_RATIO_EVERY;
  if (!(Number.isInteger(ratioEvery) && ratioEvery >= 0)) throw new ConfigError(`gradientRatioEvery must be a whole number ≥ 0 (got ${ratioEvery})`);
  const chunkRows = options.backwardChunkRows;
  if (chunkRows !== undefined && !(Number.isInteger(chunkRows) && chunkRows >= 1)) throw new ConfigError(`backwardChunkRows must be a whole number ≥ 1 (got ${chunkRows})`);

  const seeds = (k: number) => ({ query: deriveSeed(config.seed, 'dropout', k, 'query'), passage: deriveSeed(config.seed, 'dropout', k, 'passage') });
  const embedBoth = (k: number, input: StepInput) => ({
    q: encoder.embed(input.queries, { training: true, dropoutSeed: seeds(k).query }),
    p: encoder.embed(input.passages, { training: true, dropoutSeed: seeds(k).passage }),
  });
  /** the chunked backward applies: chunking is asked for and a tower is longer than a chunk */
  const chunked = (input: StepInput) => chunkRows !== undefined && Math.max(input.queries.batchSize, input.passages.batchSize) > chunkRows;
  const towers = (k: number, input: StepInput): Tower[] => [
    { batch: input.queries, dropoutSeed: seeds(k).query },
    { batch: input.passages, dropoutSeed: seeds(k).passage },
  ];
  /** the chunked backward of `head(q, p)`: ∂/∂(encoder's variables) by variable name, ∂/∂headVariables in order */
  const chunkedBackward = (k: number, input: StepInput, head: (q: tf.Tensor2D, p: tf.Tensor2D) => tf.Scalar, headVariables: tf.Variable[] = []) =>
    chunkedGradients(encoder, towers(k, input), chunkRows!, ([q, p]) => head(q!, p!), headVariables, Object.values(encVars));
  const adversarialTerm = (k: number, input: StepInput, q: tf.Tensor2D, p: tf.Tensor2D) => {
    if (!input.languageLabels) throw new ConfigError('the adversarial strategy needs the batch’s language labels');
    const z = tf.concat([q, p], 0);
    return adversarialLoss(disc!, z, input.languageLabels, lambdaAt(k)!, { training: true, dropoutSeed: deriveSeed(config.seed, 'discriminator-dropout', k) });
  };

  const retrievalOf = (input: StepInput, q: tf.Tensor2D, p: tf.Tensor2D) => infoNCELoss(q, p, { tau: config.tau, ...(input.passageKeys ? { passageKeys: input.passageKeys } : {}) });
  /** the loss of step `k` from the batch's embeddings */
  const lossOf = (k: number, input: StepInput, q: tf.Tensor2D, p: tf.Tensor2D, aux: StepGradients['aux']): tf.Scalar => {
    const retrieval = retrievalOf(input, q, p);
    aux.retrieval = tf.keep(retrieval);
    if (!disc || !adversarial) return retrieval;
    const out = adversarialTerm(k, input, q, p);
    aux.adv = tf.keep(out.loss);
    aux.acc = tf.keep(out.accuracy);
    return tf.add(retrieval, tf.mul(out.loss, adversarial.weight)) as tf.Scalar;
  };
  const loss = (k: number, input: StepInput, aux: StepGradients['aux'] = {}): tf.Scalar => {
    const { q, p } = embedBoth(k, input);
    return lossOf(k, input, q, p, aux);
  };
  /** w · L_adv as it enters the loss (through the GRL), for the encoder's share of the update */
  const weightedAdversarial = (k: number, input: StepInput, q: tf.Tensor2D, p: tf.Tensor2D): tf.Scalar => {
    const out = adversarialTerm(k, input, q, p);
    out.accuracy.dispose();
    return tf.mul(out.loss, adversarial!.weight) as tf.Scalar;
  };

  /** {value, ∂f/∂(encoder's variables) by variable name} of `f` of the batch's embeddings, chunked when asked */
  const encoderGradients = (k: number, input: StepInput, f: (q: tf.Tensor2D, p: tf.Tensor2D) => tf.Scalar): { value: tf.Scalar; grads: tf.NamedTensorMap } => {
    if (chunked(input)) {
      const r = chunkedBackward(k, input, f);
      return { value: r.value, grads: r.encoder };
    }
    return tf.variableGrads(() => {
      const { q, p } = embedBoth(k, input);
      return f(q, p);
    }, Object.values(encVars));
  };

  const gradientNorms = async (k: number, input: StepInput, encoderTotal?: Record<string, tf.Tensor>): Promise<EncoderGradientNorms | null> => {
    if (!disc || !adversarial) return null;
    // The same forward as the step's (dropout seeds are explicit), differentiated for the encoder only:
    // w · L_adv through the GRL is exactly the adversarial term's share of the update.
    const adv = encoderGradients(k, input, (q, p) => weightedAdversarial(k, input, q, p));
    // The adversarial gradient, the one whose size is in question, is computed directly; the retrieval's
    // is the step's total minus it (its error is a rounding of the total's size), or its own backward.
    let retrievalGrads: tf.NamedTensorMap;
    const extra: tf.Tensor[] = [adv.value, ...Object.values(adv.grads)];
    if (encoderTotal) {
      retrievalGrads = {};
      for (const [name, v] of Object.entries(encVars)) {
        const total = encoderTotal[name];
        const a = adv.grads[v.name];
        if (total) retrievalGrads[v.name] = a ? tf.sub(total, a) : tf.clone(total);
      }
    } else {
      const ret = encoderGradients(k, input, (q, p) => retrievalOf(input, q, p));
      extra.push(ret.value);
      retrievalGrads = ret.grads;
    }
    extra.push(...Object.values(retrievalGrads));
    try {
      const retrieval = await globalNorm(named(encVars, retrievalGrads));
      const adversarialNorm = await globalNorm(named(encVars, adv.grads));
      const ratio = adversarialNorm === 0 ? 0 : retrieval > 0 ? adversarialNorm / retrieval : null;
      return { retrieval, adversarial: adversarialNorm, ratio };
    } finally {
      tf.dispose(extra);
    }
  };
  const measuresAt = (k: number) => adversarial !== null && ratioEvery > 0 && (k % ratioEvery === 0 || k === config.steps);

  const named = (vars: Record<string, tf.Variable>, grads: tf.NamedTensorMap) => {
    const out: Record<string, tf.Tensor> = {};
    for (const [name, v] of Object.entries(vars)) {
      const g = grads[v.name];
      if (g) out[name] = g;
    }
    return out;
  };

  const gradients = (k: number, input: StepInput): StepGradients => {
    const aux: StepGradients['aux'] = {};
    if (chunked(input)) {
      const discList = Object.values(discVars);
      const r = chunkedBackward(k, input, (q, p) => lossOf(k, input, q, p, aux), discList);
      const discGrads: tf.NamedTensorMap = {};
      r.head.forEach((g, i) => {
        if (g) discGrads[discList[i]!.name] = g;
      });
      const tensors: tf.Tensor[] = [r.value, ...Object.values(r.encoder), ...Object.values(discGrads)];
      for (const t of [aux.retrieval, aux.adv, aux.acc]) if (t) tensors.push(t);
      return { value: r.value, encoder: named(encVars, r.encoder), discriminator: named(discVars, discGrads), aux, tensors };
    }
    const { value, grads } = tf.variableGrads(() => loss(k, input, aux), varList);
    const tensors: tf.Tensor[] = [value, ...Object.values(grads)];
    for (const t of [aux.retrieval, aux.adv, aux.acc]) if (t) tensors.push(t);
    return { value, encoder: named(encVars, grads), discriminator: named(discVars, grads), aux, tensors };
  };

  return {
    encoderVariables: encVars,
    encoderOptimizer: encOpt,
    discriminator: disc,
    discriminatorVariables: discVars,
    discriminatorOptimizer: discOpt,
    loss,
    gradients,
    gradientNorms,
    async run(k, input, lastCheckpointStep = null) {
      const s = k - 1;
      const lr = learningRate(s, { lr: config.lr, warmupSteps: config.warmupSteps, totalSteps: config.steps, schedule: config.lrSchedule });
      const g = gradients(k, input);
      const toDispose = [...g.tensors];
      try {
        const { aux } = g;
        const [value, retrievalLoss, advLoss, discAcc] = await Promise.all([g.value, aux.retrieval, aux.adv, aux.acc].map(async (t): Promise<number | null> => (t ? (await t.data())[0]! : null)));
        if (!Number.isFinite(value)) throw new TrainingDivergedError(k, `the loss (${value})`, lastCheckpointStep);
        const encClipped = await clipByGlobalNorm(g.encoder, config.clipNorm);
        toDispose.push(...Object.values(encClipped.grads));
        if (!Number.isFinite(encClipped.norm)) throw new TrainingDivergedError(k, `the gradient norm (${encClipped.norm})`, lastCheckpointStep);
        let discUpdate: (() => void) | null = null;
        if (discOpt && adversarial) {
          const discClipped = await clipByGlobalNorm(g.discriminator, config.clipNorm);
          toDispose.push(...Object.values(discClipped.grads));
          if (!Number.isFinite(discClipped.norm)) throw new TrainingDivergedError(k, `the discriminator's gradient norm (${discClipped.norm})`, lastCheckpointStep);
          const discLr = (lr * (adversarial.discriminatorLr ?? config.lr)) / config.lr;
          discUpdate = () => discOpt.apply(discClipped.grads, discLr);
        }
        // measured before the update, from the same weights and the step's own total gradient
        const norms = measuresAt(k) ? await gradientNorms(k, input, g.encoder) : null;
        encOpt.apply(encClipped.grads, lr);
        discUpdate?.();
        return { loss: value!, retrievalLoss: retrievalLoss!, advLoss: advLoss ?? null, discAcc: discAcc ?? null, lr, lambda: lambdaAt(k), gradNorm: encClipped.norm, ...(norms ? { gradientNorms: norms } : {}) };
      } finally {
        tf.dispose(toDispose);
      }
    },
    dispose() {
      encOpt.dispose();
      discOpt?.dispose();
      disc?.dispose();
    },
  };
}
