import { z } from 'zod';
import type { RoStateStore } from '../ports/state-store.js';

/**
 * Approximate unlearning jobs in etcd, written by the coordinator (submit, cancel, dead letters) and by the worker
 * that runs one (start, progress, result), every write a compare-and-swap on the key's revision:
 *   jobs/<id>/spec     what to run: immutable after submit (method, parameters, model, forget set, data snapshot)
 *   jobs/<id>/status   where it stands: state, attempts, progress, result, metrics
 *   job-requests/<rid> request id → job, with the request's fingerprint (idempotent submit)
 *   models/<run>/original   the run's original model (one model on all its user data), once trained; a deletion
 *                           in the run replaces it with an invalidation marker in the deletion's own transaction
 */
export interface JobKeys {
  jobs(): string;
  spec(id: string): string;
  status(id: string): string;
  request(requestId: string): string;
  original(run: string): string;
}

export const jobKeys = (prefix: string): JobKeys => ({
  jobs: (): string => `${prefix}jobs/`,
  spec: (id: string): string => `${prefix}jobs/${id}/spec`,
  status: (id: string): string => `${prefix}jobs/${id}/status`,
  request: (requestId: string): string => `${prefix}job-requests/${encodeURIComponent(requestId)}`,
  original: (run: string): string => `${prefix}models/${run}/original`,
});

export const JOB_STATES = ['PENDING', 'RUNNING', 'CANCELLING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const isTerminal = (s: JobState): boolean => s === 'SUCCEEDED' || s === 'FAILED' || s === 'CANCELLED';

/** A class, or ids kept as a content-addressed list artifact (sorted, newline-joined; named by its sha256). */
const ForgetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('class'), label: z.number().int().min(0) }),
  z.object({ kind: z.literal('ids'), list: z.string().regex(/^[0-9a-f]{64}$/) }),
]);
export type StoredForget = z.infer<typeof ForgetSchema>;

/** The run a `runs/<run>` model belongs to, as the coordinator saw it at submit time. */
export const JobRunSnapshotSchema = z.object({
  name: z.string(),
  specJson: z.string(),
  backboneArtifact: z.string(),
  sampleIdKey: z.string(),
  /** Keyed digests of the run's deleted samples at submit: never part of any data the job reads. */
  excluded: z.array(z.string()),
  /** The etcd revision those deletions are complete at: a deletion committed later is not in `excluded`. */
  revision: z.number().int().min(0),
});
export type JobRunSnapshot = z.infer<typeof JobRunSnapshotSchema>;

export const JobSpecSchema = z.object({
  id: z.string(),
  requestId: z.string(),
  fingerprint: z.string(),
  method: z.string(),
  /** Validated, with every default filled in. */
  parameters: z.record(z.string(), z.unknown()),
  /** As submitted: "runs/<run>" or an artifact digest. */
  model: z.string(),
  /** The model artifact when the job names one. */
  modelArtifact: z.string().optional(),
  run: JobRunSnapshotSchema,
  forget: ForgetSchema,
  /** Submitted without labels: the method gets the forget rows' features only. */
  forgetUnlabelled: z.boolean().default(false),
  forgetCount: z.number().int().positive(),
  seed: z.number().int().min(0),
  /** Runs that may end without a result (worker died) before the job fails: the queue's max_deliver. */
  maxAttempts: z.number().int().positive(),
  evaluate: z.boolean(),
  createTime: z.string(),
});
export type JobSpec = z.infer<typeof JobSpecSchema>;

const RegressionMetricsSchema = z.object({
  forgetMae: z.number(),
  retainMae: z.number(),
  testMae: z.number(),
  forgetMse: z.number(),
  retainMse: z.number(),
  testMse: z.number(),
});
/** Classification: UA/RA/TA and the confidence MIA; regression: UA/RA/TA are 0, `regression` holds the errors and `mia` the loss-feature attack. */
const MetricsSchema = z.object({ ua: z.number(), ra: z.number(), ta: z.number(), mia: z.number(), miaShadowAccuracy: z.number(), regression: RegressionMetricsSchema.optional() });

export const JobStatusSchema = z.object({
  state: z.enum(JOB_STATES),
  /** Runs started so far, minus those handed back (preempted for stage training, drained): 0 before the first. */
  attempt: z.number().int().min(0),
  preemptions: z.number().int().min(0).default(0),
  workerId: z.string().default(''),
  progress: z.number().min(0).max(1).default(0),
  phase: z.string().default(''),
  loss: z.number().nullable().default(null),
  cancelRequested: z.boolean().default(false),
  resultArtifact: z.string().default(''),
  originalArtifact: z.string().default(''),
  metrics: MetricsSchema.nullable().default(null),
  originalMetrics: MetricsSchema.nullable().default(null),
  seconds: z.number().default(0),
  oneOffSeconds: z.number().default(0),
  evaluationSeconds: z.number().default(0),
  samplePasses: z.number().default(0),
  diagnostics: z.record(z.string(), z.number()).default({}),
  failure: z.string().default(''),
  startTime: z.string().default(''),
  endTime: z.string().default(''),
  /** Last write by the worker running it: a running job whose heartbeat is older than the takeover age is orphaned. */
  heartbeatAt: z.string().default(''),
});
export type JobStatus = z.infer<typeof JobStatusSchema>;
export type JobMetrics = z.infer<typeof MetricsSchema>;

/** The run's original model record, or the marker a deletion leaves (`invalidatedBy`). */
export const OriginalModelSchema = z.object({
  invalidatedBy: z.string().optional(),
  artifact: z.string(),
  /** How many deleted samples it excludes: a deletion since makes it stale (it is retrained, never used). */
  excludedCount: z.number().int().min(0),
  excludedHash: z.string(),
  backboneArtifact: z.string(),
  trainedAt: z.string(),
});
export type OriginalModel = z.infer<typeof OriginalModelSchema>;

export function parseJson<T>(schema: z.ZodType<T>, text: string, what: string): T {
  const r = schema.safeParse(JSON.parse(text));
  if (!r.success) throw new Error(`stored ${what} is malformed: ${r.error.issues[0]?.message ?? 'invalid'}`);
  return r.data;
}

export const pendingStatus = (): JobStatus => JobStatusSchema.parse({ state: 'PENDING', attempt: 0 });

/** A job's spec and status as stored (with the status key's revision, for compare-and-swap), or null. */
export async function readJob(store: RoStateStore, keys: JobKeys, id: string): Promise<{ spec: JobSpec; status: JobStatus; revision: number } | null> {
  const [spec, status] = await Promise.all([store.get(keys.spec(id)), store.get(keys.status(id))]);
  if (spec === null || status === null) return null;
  return { spec: parseJson(JobSpecSchema, spec.value, 'job spec'), status: parseJson(JobStatusSchema, status.value, 'job status'), revision: status.modRevision };
}
