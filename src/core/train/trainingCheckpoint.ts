/**
 * A training checkpoint as a set of files (name → bytes), the same in Node (a folder
 * `checkpoints/step-N/`) and in the browser (OPFS / a download), following notes/checkpoints.md §5:
 *
 *   manifest.json           {@link CheckpointManifest}: config, step, sampler cursor + RNG state, dataset
 *                           SHA-256s, optimiser hyper-parameters, code/tfjs version, backend
 *   model.safetensors       the encoder weights under their HF names (plus what the model exporter adds,
 *                           e.g. config.json, tokenizer.json)
 *   optimizer.safetensors   AdamW m/v per encoder variable (`adamw.encoder/<name>/m`, `…/v`); for the
 *                           adversarial strategy also the discriminator's weights
 *                           (`discriminator/<name>`) and its AdamW slots (`adamw.discriminator/<name>/m`,
 *                           `…/v`); the step counts are in the manifest
 *
 * Together they are enough to continue the run bit for bit on cpu/wasm.
 */
import { z } from 'zod';
import { CheckpointError, DataFormatError } from '../errors';
import { parseJsonText } from '../data/parseJsonText';
import { validate } from '../zodMessage';
import { decodeUtf8Text } from '../textDecoding';
import { LANGUAGES } from '../data/languages';
import { RunConfigSchema } from '../experiment/runConfig';
import { StepLogSchema } from '../experiment/runLog';
import { parseSafetensorsHeader, readSafetensors, safetensorsHeaderLength, toFloat32, writeSafetensors, type WritableTensor } from '../model/safetensors';
import type { AdamWState, SlotTensor } from './adamw';
import { SamplerStateSchema } from './samplers';

export const CHECKPOINT_FORMAT = 'xlir-ckpt/1';
export const MANIFEST_FILE = 'manifest.json';
export const MODEL_FILE = 'model.safetensors';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
/** tensor-name prefixes inside optimizer.safetensors */
export const ENCODER_SLOTS = 'adamw.encoder';
export const DISCRIMINATOR_SLOTS = 'adamw.discriminator';
export const DISCRIMINATOR_WEIGHTS = 'discriminator';

const AdamWInfoSchema = z
  .object({
    type: z.literal('adamw'),
    /** updates done (t) */
    step: z.number().int().min(0),
    beta1: z.number(),
    beta2: z.number(),
    epsilon: z.number(),
    weightDecay: z.number(),
  })
  .strict();

/**
 * The fields a checkpoint manifest opens with, shared by this one and pretraining's (`pretrain.json`):
 * `format` tells the two apart (and refuses a future version).
 */
export function manifestHeaderShape<F extends string>(format: F) {
  return {
    format: z.literal(format),
    /** ISO time the checkpoint was written (from the injected clock) */
    created: z.string(),
    /** updates done */
    step: z.number().int().min(0),
  };
}

/** What wrote a checkpoint, on both manifests: the package version, TF.js version and backend name. */
export const MANIFEST_PROVENANCE_SHAPE = {
  codeVersion: z.string(),
  tfjsVersion: z.string(),
  backend: z.string(),
};

export const CheckpointManifestSchema = z
  .object({
    ...manifestHeaderShape(CHECKPOINT_FORMAT),
    config: RunConfigSchema,
    sampler: SamplerStateSchema,
    optimizer: AdamWInfoSchema,
    /** present for the adversarial strategy: label order of the discriminator and its optimiser */
    discriminator: z
      .object({ languages: z.array(z.enum(LANGUAGES)), optimizer: AdamWInfoSchema })
      .strict()
      .nullable(),
    /** the training data the run read, to refuse resuming on different files */
    datasets: z.array(z.object({ name: z.string(), files: z.array(z.object({ name: z.string(), sha256: z.string(), bytes: z.number() }).strict()) }).strict()),
    /** names of the encoder variables the optimiser updates */
    trainable: z.array(z.string()),
    ...MANIFEST_PROVENANCE_SHAPE,
    /** the log line of `step` (null at step 0) */
    lastLog: StepLogSchema.nullable(),
  })
  .strict();
export type CheckpointManifest = z.infer<typeof CheckpointManifestSchema>;

/** A checkpoint as files; `step` repeats the manifest's for callers that only route files. */
export interface TrainingCheckpoint {
  step: number;
  files: Record<string, Uint8Array>;
}

/** @throws CheckpointError naming the file when it is missing */
export function checkpointFile(ckpt: TrainingCheckpoint, name: string, source: string): Uint8Array {
  const bytes = ckpt.files[name];
  if (!bytes) throw new CheckpointError(`${source}: missing ${name} (has ${Object.keys(ckpt.files).sort().join(', ') || 'no files'})`);
  return bytes;
}

export function encodeManifest(manifest: CheckpointManifest): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
}

/** @throws CheckpointError naming the file and the field */
export function parseManifest(bytes: Uint8Array, source: string): CheckpointManifest {
  const file = `${source}/${MANIFEST_FILE}`;
  try {
    // strict: a lenient decoder would turn damaged bytes into U+FFFD inside names and hashes silently
    return validate(CheckpointManifestSchema, parseJsonText(decodeUtf8Text(bytes, file), file), file);
  } catch (err) {
    if (err instanceof DataFormatError) throw new CheckpointError(err.message);
    throw err;
  }
}

/**
 * Whether a checkpoint's files are whole, without decoding any tensor: the manifest parses and names
 * `step`, and model.safetensors and optimizer.safetensors are present with headers that account for every
 * byte of the file (a copy cut short, a full disk). Resuming falls back to an earlier checkpoint when this
 * says no, instead of failing half-way through restoring the optimiser.
 * @param source the checkpoint folder, for messages
 * @returns null when the checkpoint looks complete, else the first problem, naming the file
 */
export function checkpointDamage(ckpt: TrainingCheckpoint, source: string): string | null {
  try {
    const manifest = parseManifest(checkpointFile(ckpt, MANIFEST_FILE, source), source);
    if (manifest.step !== ckpt.step) return `${source}/${MANIFEST_FILE}: step: is ${manifest.step}, but the folder is the checkpoint of step ${ckpt.step}`;
    for (const name of [MODEL_FILE, OPTIMIZER_FILE]) {
      const bytes = checkpointFile(ckpt, name, source);
      const file = `${source}/${name}`;
      const n = safetensorsHeaderLength(bytes.subarray(0, 8), bytes.byteLength, file);
      parseSafetensorsHeader(bytes.subarray(8, 8 + n), bytes.byteLength, file);
    }
    return null;
  } catch (err) {
    if (err instanceof CheckpointError || err instanceof DataFormatError) return err.message;
    throw err;
  }
}

/** Host copies of variables (name → shape + data) as an F32 safetensors file. */
export function encodeTensors(tensors: Record<string, SlotTensor>, metadata?: Record<string, string>): Uint8Array {
  const out: Record<string, WritableTensor> = {};
  for (const [name, t] of Object.entries(tensors)) out[name] = { dtype: 'F32', shape: t.shape, data: t.data };
  return writeSafetensors(out, metadata);
}

/**
 * Reads a safetensors file of a checkpoint into float32 host tensors.
 * @throws CheckpointError naming the file on malformed input
 */
export function decodeTensors(bytes: Uint8Array, file: string): Map<string, SlotTensor> {
  try {
    const parsed = readSafetensors(bytes, file);
    const out = new Map<string, SlotTensor>();
    for (const [name, t] of parsed.tensors) out.set(name, { shape: t.shape, data: toFloat32(t, file, name) });
    return out;
  } catch (err) {
    if (err instanceof DataFormatError) throw new CheckpointError(err.message);
    throw err;
  }
}

/** Prefixes the slot names of an AdamW state (`<prefix>/<name>/m`). */
export function prefixedSlots(state: AdamWState, prefix: string): Record<string, SlotTensor> {
  const out: Record<string, SlotTensor> = {};
  for (const [name, slot] of Object.entries(state.slots)) out[`${prefix}/${name}`] = slot;
  return out;
}

/** The inverse of {@link prefixedSlots}: the slots under `<prefix>/` of a decoded optimizer file. */
export function slotsUnder(tensors: Map<string, SlotTensor>, prefix: string): Record<string, SlotTensor> {
  const out: Record<string, SlotTensor> = {};
  for (const [name, t] of tensors) if (name.startsWith(`${prefix}/`)) out[name.slice(prefix.length + 1)] = t;
  return out;
}
