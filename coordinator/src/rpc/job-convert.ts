import { invalidArgument } from '../../../shared/src/errors/errors.js';
import type { Operation } from '../../../shared/src/gen/google/longrunning/Operation.js';
import type { Struct, Struct__Output } from '../../../shared/src/gen/google/protobuf/Struct.js';
import type { Value, Value__Output } from '../../../shared/src/gen/google/protobuf/Value.js';
import type { UnlearningJob } from '../../../shared/src/gen/lethe/v1/UnlearningJob.js';
import type { UnlearningMetrics } from '../../../shared/src/gen/lethe/v1/UnlearningMetrics.js';
import { JOB_STATES, isTerminal, type JobMetrics, type JobState } from '../../../shared/src/jobs/records.js';
import type { JobView } from '../jobs/job-service.js';
import { packAny, timestamp } from './convert.js';

/** Proto method enum ↔ the method registry's names (one table). */
const METHODS: Readonly<Record<string, string>> = {
  UNLEARNING_METHOD_RETRAIN: 'retrain',
  UNLEARNING_METHOD_FINE_TUNE: 'ft',
  UNLEARNING_METHOD_GRADIENT_ASCENT: 'ga',
  UNLEARNING_METHOD_RANDOM_LABEL: 'rl',
  UNLEARNING_METHOD_SSD: 'ssd',
  UNLEARNING_METHOD_L1_SPARSE: 'l1-sparse',
  UNLEARNING_METHOD_OMP: 'omp',
  UNLEARNING_METHOD_INFLUENCE: 'iu',
  UNLEARNING_METHOD_IAU: 'iau',
  UNLEARNING_METHOD_BLINDSPOT: 'blindspot',
  UNLEARNING_METHOD_GAUSSIAN_FINE_TUNE: 'gaussian-ft',
  UNLEARNING_METHOD_LAF: 'laf',
  UNLEARNING_METHOD_CLASS_POISONING: 'class-poisoning',
};
const ENUM_OF = Object.fromEntries(Object.entries(METHODS).map(([k, v]) => [v, k]));

/** The method names the API knows (the registry's, tested), without loading the methods and TF.js behind them. */
export const METHOD_NAMES: readonly string[] = Object.values(METHODS);

/** A job's method by name: the enum's name for a value no table entry has (a newer server's method). */
export function methodNameOf(value: string | number): string {
  return METHODS[String(value)] ?? String(value);
}

export function methodName(value: string | number | undefined): string {
  if (value === undefined || value === 0 || value === 'UNLEARNING_METHOD_UNSPECIFIED') throw invalidArgument('method is required', { field: 'method' });
  const name = METHODS[String(value)];
  if (name === undefined) throw invalidArgument(`method ${String(value)} is not a known method`, { field: 'method' });
  return name;
}

export function methodEnum(name: string): string {
  return ENUM_OF[name] ?? 'UNLEARNING_METHOD_UNSPECIFIED';
}

export function jobStateOf(value: string | number): JobState {
  const name = String(value).replace(/^JOB_STATE_/, '');
  if (!(JOB_STATES as readonly string[]).includes(name)) throw invalidArgument(`state ${String(value)} is not a job state`, { field: 'state' });
  return name as JobState;
}

function valueToJson(v: Value__Output): unknown {
  switch (v.kind) {
    case 'numberValue':
      return v.numberValue;
    case 'stringValue':
      return v.stringValue;
    case 'boolValue':
      return v.boolValue;
    case 'structValue':
      return v.structValue === null || v.structValue === undefined ? {} : structToJson(v.structValue);
    case 'listValue':
      return (v.listValue?.values ?? []).map(valueToJson);
    default:
      return null;
  }
}

/** google.protobuf.Struct → a plain JSON object. */
export function structToJson(s: Struct__Output): Record<string, unknown> {
  return Object.fromEntries(Object.entries(s.fields).map(([k, v]) => [k, valueToJson(v)]));
}

function jsonToValue(v: unknown): Value {
  if (v === null || v === undefined) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'number') return { numberValue: Number.isFinite(v) ? v : String(v) === 'Infinity' ? Number.MAX_VALUE : 0 };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(jsonToValue) } };
  return { structValue: jsonToStruct(v as Record<string, unknown>) };
}

/** A plain JSON object → google.protobuf.Struct. */
export function jsonToStruct(o: Readonly<Record<string, unknown>>): Struct {
  return { fields: Object.fromEntries(Object.entries(o).map(([k, v]) => [k, jsonToValue(v)])) };
}

function metricsToProto(m: JobMetrics | null, extra: { seconds?: number; samplePasses?: number } = {}): UnlearningMetrics | null {
  if (m === null) return null;
  const r = m.regression;
  return {
    unlearningAccuracy: m.ua,
    retainAccuracy: m.ra,
    testAccuracy: m.ta,
    miaEfficacy: m.mia,
    miaShadowAccuracy: m.miaShadowAccuracy,
    seconds: extra.seconds ?? 0,
    samplePasses: String(extra.samplePasses ?? 0),
    ...(r === undefined ? {} : { forgetMae: r.forgetMae, retainMae: r.retainMae, testMae: r.testMae, forgetMse: r.forgetMse, retainMse: r.retainMse, testMse: r.testMse }),
  };
}

export function jobToProto(j: JobView): UnlearningJob {
  const { spec, status } = j;
  const end = timestamp(status.endTime === '' ? undefined : status.endTime);
  return {
    name: `jobs/${spec.id}`,
    requestId: spec.requestId,
    method: methodEnum(spec.method) as NonNullable<UnlearningJob['method']>,
    model: spec.model,
    state: `JOB_STATE_${status.state}`,
    workerId: status.workerId,
    attempt: status.attempt,
    preemptions: status.preemptions,
    progress: status.progress,
    phase: status.phase,
    loss: status.loss ?? 0,
    resultArtifact: status.resultArtifact,
    originalArtifact: status.originalArtifact,
    metrics: metricsToProto(status.metrics, { seconds: status.seconds, samplePasses: status.samplePasses }),
    originalMetrics: metricsToProto(status.originalMetrics),
    failure: status.failure,
    createTime: timestamp(spec.createTime),
    ...(end === null ? {} : { endTime: end }),
    parameters: jsonToStruct(spec.parameters),
    forget: spec.forget.kind === 'class' ? { classLabel: spec.forget.label } : { sampleIds: { ids: [] }, unlabelled: spec.forgetUnlabelled },
    forgetList: spec.forget.kind === 'ids' ? spec.forget.list : '',
    forgetCount: String(spec.forgetCount),
    diagnostics: jsonToStruct({ ...status.diagnostics, oneOffSeconds: status.oneOffSeconds, evaluationSeconds: status.evaluationSeconds }),
  };
}

/** The job's long-running operation (AIP-151): metadata = state and progress; done with the job as response. */
export function jobOperation(j: JobView): Operation {
  const done = isTerminal(j.status.state);
  return {
    name: `operations/jobs/${j.spec.id}`,
    done,
    metadata: packAny('lethe.v1.UnlearningJobProgress', { job: `jobs/${j.spec.id}`, state: `JOB_STATE_${j.status.state}`, progress: j.status.progress, phase: j.status.phase, attempt: j.status.attempt }),
    ...(done ? { response: packAny('lethe.v1.UnlearningJob', jobToProto(j) as Record<string, unknown>) } : {}),
  };
}
