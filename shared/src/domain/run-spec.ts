import { RetrainingPolicySchema } from './retraining-policy.js';
import { z } from 'zod';
import { invalidArgument } from '../errors/errors.js';
import { MAX_SHARDS, MAX_SLICES } from './placement.js';
import { factorial } from './validate.js';

/** Most orderings per shard (B), whatever L! allows: every ordering is trained and tracked. */
export const MAX_BUDGET = 64;
/** Most stages a run may plan (m × B × L): bounds the shard records, GetRun's answer and the scheduler's work. */
export const MAX_STAGES_PER_RUN = 16_384;
/** Most of the data that may be held out (public + test): the rest is the user data S3T trains on. */
export const MAX_HELD_OUT_FRACTION = 0.9;
export const MAX_URI_LENGTH = 1024;
export const MAX_COLUMN_LENGTH = 128;
/** The longest silence a task may be allowed (a week), for the cluster-wide timeout and a run's own alike. */
export const MAX_TASK_SILENCE_TIMEOUT_S = 604_800;
const TaskSilenceTimeoutSchema = z.number().int().min(0).max(MAX_TASK_SILENCE_TIMEOUT_S);

/** The task silence timeout an operator set on a live run (UpdateTaskSilenceTimeout); null: the coordinator's. */
export const TaskSilenceOverrideSchema = z.object({ taskSilenceTimeoutS: TaskSilenceTimeoutSchema.nullable() }).strict();

/** Where a run's data comes from: a built-in dataset or a file visible to coordinator and workers. */
export const DatasetSpecSchema = z
  .object({
    /**
     * `fashion-mnist` needs Debian's dataset-fashion-mnist package; it keeps its own test split (testFraction unused).
     * `boston-housing` and `cps-wages-1985` are regression tables (task must be `regression`; stride unused).
     */
    builtin: z.enum(['mnist', 'fashion-mnist', 'blobs', 'boston-housing', 'cps-wages-1985']).optional(),
    uri: z.string().min(1).max(MAX_URI_LENGTH).optional(),
    /** sha256 of the file (files only): set by CreateRun, checked by every process that reads the file. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    idColumn: z.string().min(1).max(MAX_COLUMN_LENGTH).default('id'),
    labelColumn: z.string().min(1).max(MAX_COLUMN_LENGTH).default('label'),
    task: z.enum(['classification', 'regression']).default('classification'),
    publicFraction: z.number().min(0).max(0.9).default(0.2),
    testFraction: z.number().min(0).max(0.9).default(0.2),
    /** Keep every n-th sample of a built-in dataset (smaller runs for tests and demos). */
    stride: z.number().int().min(1).max(1000).default(1),
    /** blobs only. */
    samples: z.number().int().min(10).max(1_000_000).default(2000),
    features: z.number().int().min(1).max(4096).default(16),
    classes: z.number().int().min(2).max(1000).default(4),
  })
  .strict()
  .refine((d) => (d.builtin === undefined) !== (d.uri === undefined), { message: 'exactly one of builtin or uri is required' })
  // At least a tenth of the data must be user data: a run with nothing deletable has nothing to train its stages on.
  .refine((d) => d.publicFraction + d.testFraction <= MAX_HELD_OUT_FRACTION + 1e-12, { path: ['testFraction'], message: `publicFraction + testFraction must be at most ${MAX_HELD_OUT_FRACTION}` });
export type DatasetSpec = z.output<typeof DatasetSpecSchema>;

export const RunModelSchema = z
  .object({
    hidden: z.number().int().min(4).max(4096).default(128),
    blocks: z.number().int().min(1).max(128).optional(),
    loraRank: z.number().int().min(1).max(256).default(8),
    convStem: z.boolean().default(false),
    learningRate: z.number().positive().max(1).default(0.003),
    batchSize: z.number().int().min(1).max(65536).default(64),
    regressionLoss: z.enum(['mse', 'l1']).default('mse'),
    /**
     * IAU's gradient-restriction penalty α for the run's original model (the one approximate jobs unlearn from, and
     * Retrain's recipe): 0 trains it plainly. S3T stages never use it.
     */
    gradientRestriction: z.number().min(0).max(1).default(0),
  })
  .strict();

/** A run's normalised specification: everything coordinator and workers must agree on. */
export const RunSpecSchema = z
  .object({
    dataset: DatasetSpecSchema,
    model: RunModelSchema.prefault({}),
    shards: z.number().int().min(1).max(MAX_SHARDS),
    slices: z.number().int().min(1).max(MAX_SLICES),
    budget: z.number().int().min(1).max(MAX_BUDGET),
    selection: z.enum(['cyclic', 'bms']).default('cyclic'),
    prior: z.array(z.number().nonnegative()).max(MAX_SLICES).optional(),
    horizon: z.number().positive().default(10),
    epochs: z.number().int().min(1).max(1000).default(5),
    pretrainEpochs: z.number().int().min(1).max(1000).default(10),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
    fallbackToBackbone: z.boolean().default(false),
    /**
     * This run's own silence timeout, in seconds: a started task of the run that reports nothing for this long is
     * taken back (0: never). Unset: the coordinator's `taskSilenceTimeoutS`. For runs whose epochs outlast the
     * cluster's timeout (or whose stages must never be taken back), without raising it for every run. An operator
     * may change it on a live run (UpdateTaskSilenceTimeout).
     */
    taskSilenceTimeoutS: TaskSilenceTimeoutSchema.optional(),
    /** When deactivated stages are retrained; an operator may change it on a live run (UpdateRetrainingPolicy). */
    retraining: RetrainingPolicySchema.prefault({}),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.budget > factorial(s.slices)) ctx.addIssue({ code: 'custom', path: ['budget'], message: `must be at most L! = ${factorial(s.slices)}` });
    const stages = s.shards * s.budget * s.slices;
    if (stages > MAX_STAGES_PER_RUN) ctx.addIssue({ code: 'custom', path: ['shards'], message: `shards × budget × slices = ${stages} stages; at most ${MAX_STAGES_PER_RUN} per run` });
    if (s.prior !== undefined && s.prior.length !== s.slices) ctx.addIssue({ code: 'custom', path: ['prior'], message: `needs ${s.slices} entries` });
    if (s.model.blocks !== undefined && s.model.blocks < s.slices) ctx.addIssue({ code: 'custom', path: ['model', 'blocks'], message: 'must be >= slices' });
  });
export type RunSpec = z.output<typeof RunSpecSchema>;
export type RunSpecInput = z.input<typeof RunSpecSchema>;

/** Parses a run spec, failing with INVALID_ARGUMENT that names the field. */
export function parseRunSpec(input: unknown): RunSpec {
  const r = RunSpecSchema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue?.path.join('.') || 'spec';
    throw invalidArgument(`invalid run spec: ${field}: ${(issue?.message ?? 'invalid').slice(0, 200)}`, { field });
  }
  return r.data;
}
