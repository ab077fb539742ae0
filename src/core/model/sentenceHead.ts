/**
 * The sentence-transformers files of a checkpoint (`modules.json`, `1_Pooling/config.json`,
 * `N_Dense/config.json`), as LaBSE ships them: Transformer → Pooling → Dense(tanh) → Normalize
 * (shared/notes/checkpoints.md §1.3). Only what we can run exactly is accepted: CLS or mean pooling,
 * Dense layers with tanh or identity, and Normalize.
 */
import { z } from 'zod';
import { DataFormatError } from '../errors';
import { zodDataFormatError } from '../zodMessage';
import type { HostTensor, Pooling } from './types';

const ST = 'sentence_transformers.models.';
export const ST_MODULE_TYPES = ['Transformer', 'Pooling', 'Dense', 'Normalize'] as const;
export type StModuleType = (typeof ST_MODULE_TYPES)[number];

export interface StModule {
  type: StModuleType;
  /** folder of the module's files, relative to the checkpoint root ('' for the Transformer) */
  path: string;
}

const ModulesSchema = z.array(z.looseObject({ idx: z.number().int().optional(), path: z.string(), type: z.string() })).min(1);

/**
 * @returns the modules in order; the first must be the Transformer and the second the Pooling
 * @throws DataFormatError naming `modules.json` and the entry
 */
export function parseModulesJson(raw: unknown, fileName = 'modules.json'): StModule[] {
  const parsed = ModulesSchema.safeParse(raw);
  if (!parsed.success) throw zodDataFormatError(fileName, parsed.error);
  const modules = parsed.data.map((m, i): StModule => {
    const short = m.type.startsWith(ST) ? m.type.slice(ST.length) : m.type;
    if (!(ST_MODULE_TYPES as readonly string[]).includes(short)) {
      throw new DataFormatError(fileName, `[${i}].type`, `unsupported module "${m.type}" (supported: ${ST_MODULE_TYPES.map((t) => ST + t).join(', ')})`);
    }
    return { type: short as StModuleType, path: m.path.replace(/\/+$/, '') };
  });
  const expectAt = (i: number, type: StModuleType) => {
    if (modules[i]?.type !== type) throw new DataFormatError(fileName, `[${i}].type`, `module ${i} must be ${ST}${type} (got ${modules[i] ? ST + modules[i].type : 'nothing'})`);
  };
  expectAt(0, 'Transformer');
  expectAt(1, 'Pooling');
  modules.slice(2).forEach((m, j) => {
    if (m.type === 'Transformer' || m.type === 'Pooling') throw new DataFormatError(fileName, `[${j + 2}].type`, `a second ${m.type} module is not supported`);
    if (m.type === 'Dense' && modules.slice(2, j + 2).some((p) => p.type === 'Normalize')) {
      throw new DataFormatError(fileName, `[${j + 2}].type`, 'a Dense module after Normalize is not supported');
    }
  });
  return modules;
}

const PoolingSchema = z.looseObject({
  pooling_mode_cls_token: z.boolean().optional(),
  pooling_mode_mean_tokens: z.boolean().optional(),
  pooling_mode_max_tokens: z.boolean().optional(),
  pooling_mode_mean_sqrt_len_tokens: z.boolean().optional(),
  pooling_mode_weightedmean_tokens: z.boolean().optional(),
  pooling_mode_lasttoken: z.boolean().optional(),
  include_prompt: z.boolean().optional(),
});

/** @returns the single pooling mode switched on (CLS or mean); combinations and other modes are refused */
export function parsePoolingConfig(raw: unknown, fileName: string): Pooling {
  const parsed = PoolingSchema.safeParse(raw);
  if (!parsed.success) throw zodDataFormatError(fileName, parsed.error);
  const on = Object.entries(parsed.data)
    .filter(([k, v]) => k.startsWith('pooling_mode_') && v === true)
    .map(([k]) => k);
  if (on.length !== 1) throw new DataFormatError(fileName, 'pooling_mode_*', `exactly one pooling mode must be true (got ${on.length ? on.join(', ') : 'none'})`);
  if (on[0] === 'pooling_mode_cls_token') return 'cls';
  if (on[0] === 'pooling_mode_mean_tokens') return 'mean';
  throw new DataFormatError(fileName, on[0]!, 'only pooling_mode_cls_token and pooling_mode_mean_tokens are supported');
}

export const DENSE_ACTIVATIONS = ['tanh', 'identity'] as const;
export type DenseActivation = (typeof DENSE_ACTIVATIONS)[number];

const ACTIVATION_NAMES: Record<string, DenseActivation> = {
  'torch.nn.modules.activation.Tanh': 'tanh',
  'torch.nn.modules.linear.Identity': 'identity',
};
const ACTIVATION_CLASSES: Record<DenseActivation, string> = { tanh: 'torch.nn.modules.activation.Tanh', identity: 'torch.nn.modules.linear.Identity' };

export interface DenseConfig {
  inFeatures: number;
  outFeatures: number;
  bias: boolean;
  activation: DenseActivation;
}

/** As hidden_size in hfConfig.ts: a wider Dense layer is a broken file, not a model (issue 21). */
const MAX_DENSE_FEATURES = 65_536;
const features = z
  .number()
  .int()
  .positive()
  .max(MAX_DENSE_FEATURES, { error: `must be at most ${MAX_DENSE_FEATURES.toLocaleString('en-US')}` });

const DenseSchema = z.looseObject({
  in_features: features,
  out_features: features,
  bias: z.boolean().optional(),
  activation_function: z.string().optional(),
});

export function parseDenseConfig(raw: unknown, fileName: string): DenseConfig {
  const parsed = DenseSchema.safeParse(raw);
  if (!parsed.success) throw zodDataFormatError(fileName, parsed.error);
  const fn = parsed.data.activation_function ?? 'torch.nn.modules.activation.Tanh';
  const activation = ACTIVATION_NAMES[fn];
  if (!activation) throw new DataFormatError(fileName, 'activation_function', `"${fn}" is not supported (supported: ${Object.keys(ACTIVATION_NAMES).join(', ')})`);
  return { inFeatures: parsed.data.in_features, outFeatures: parsed.data.out_features, bias: parsed.data.bias ?? true, activation };
}

/** The sentence-transformers `config.json` of a Dense module. */
export function toDenseConfigJson(c: DenseConfig): Record<string, unknown> {
  return { in_features: c.inFeatures, out_features: c.outFeatures, bias: c.bias, activation_function: ACTIVATION_CLASSES[c.activation] };
}

/** One Dense layer of a sentence head: activation(x·Wᵀ + b). */
export interface DenseLayer {
  /** module folder, e.g. `2_Dense`; the layer's variables are named `<path>/linear.weight` and `<path>/linear.bias` */
  path: string;
  activation: DenseActivation;
  weight: HostTensor;
  bias: HostTensor | null;
}

/** What sits after the Transformer: pooling, then Dense layers. Output is always L2-normalised. */
export interface SentenceHead {
  pooling: Pooling;
  dense: DenseLayer[];
}
