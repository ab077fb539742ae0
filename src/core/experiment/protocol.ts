/**
 * The typed messages between the page and the compute workers (house rule 8). Every message that
 * crosses a worker boundary is validated with these schemas on arrival.
 */
import { z } from 'zod';
import { BACKEND_PREFERENCES, BACKENDS } from '../model/backend';
import { ERROR_CODES } from '../errors';

export const BackendInitCommandSchema = z.object({
  type: z.literal('backend/init'),
  requestId: z.string(),
  preference: z.enum(BACKEND_PREFERENCES),
});

export const WorkerCommandSchema = z.discriminatedUnion('type', [BackendInitCommandSchema]);
export type WorkerCommand = z.infer<typeof WorkerCommandSchema>;

const AdapterInfoSchema = z.object({
  vendor: z.string(),
  architecture: z.string(),
  description: z.string(),
  isFallbackAdapter: z.boolean(),
});

export const BackendReadyEventSchema = z.object({
  type: z.literal('backend/ready'),
  requestId: z.string(),
  info: z.object({
    backend: z.enum(BACKENDS),
    adapter: AdapterInfoSchema,
    attempts: z.array(z.object({ backend: z.enum(BACKENDS), ok: z.boolean(), error: z.string().optional() })),
    tfjsVersion: z.string(),
  }),
  smoke: z.object({
    size: z.number(),
    maxAbsError: z.number(),
    medianMs: z.number(),
    gflops: z.number(),
    ok: z.boolean(),
  }),
});

export const ErrorEventSchema = z.object({
  type: z.literal('error'),
  requestId: z.string().optional(),
  error: z.object({ name: z.string(), code: z.enum(ERROR_CODES), message: z.string() }),
});

export const WorkerEventSchema = z.discriminatedUnion('type', [BackendReadyEventSchema, ErrorEventSchema]);
export type WorkerEvent = z.infer<typeof WorkerEventSchema>;
export type BackendReadyEvent = z.infer<typeof BackendReadyEventSchema>;
