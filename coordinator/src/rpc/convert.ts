import type { RetrainingPolicy as RetrainingPolicyProto, RetrainingPolicy__Output } from '../../../shared/src/gen/lethe/v1/RetrainingPolicy.js';
import type { RetrainingPolicy } from '../../../shared/src/domain/retraining-policy.js';
import protobuf from 'protobufjs';
import { isAbsolute, join } from 'node:path';
import { packageRoot } from '../../../shared/src/util/package-root.js';
import { LETHE_PROTO_FILES } from '../../../shared/src/adapters/grpc/protos.js';
import type { RunSpec } from '../../../shared/src/domain/run-spec.js';
import type { RunSpec__Output } from '../../../shared/src/gen/lethe/v1/RunSpec.js';
import type { RunSpec as RunSpecProto } from '../../../shared/src/gen/lethe/v1/RunSpec.js';
import type { Timestamp } from '../../../shared/src/gen/google/protobuf/Timestamp.js';
import type { Any } from '../../../shared/src/gen/google/protobuf/Any.js';
import type { DeletionReceipt } from '../../../shared/src/gen/lethe/v1/DeletionReceipt.js';
import type { Receipt } from '../state/records.js';
import { invalidArgument } from '../../../shared/src/errors/errors.js';

export function timestamp(iso: string | undefined): Timestamp | null {
  if (iso === undefined) return null;
  const ms = Date.parse(iso);
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
}

let root: protobuf.Root | undefined;
function protoRoot(): protobuf.Root {
  if (root !== undefined) return root;
  const dir = join(packageRoot(), 'proto');
  const r = new protobuf.Root();
  // Well-known google/protobuf types come from protobufjs itself; everything else from proto/.
  r.resolvePath = (_origin, target) => (isAbsolute(target) || target.startsWith('google/protobuf/') ? target : join(dir, target));
  r.loadSync([...LETHE_PROTO_FILES].map((f) => join(dir, f)), { keepCase: false });
  root = r;
  return r;
}

/** Packs a message into google.protobuf.Any (for long-running operations' metadata and response). */
export function packAny(typeName: string, value: Record<string, unknown>): Any {
  const type = protoRoot().lookupType(typeName);
  return { type_url: `type.googleapis.com/${typeName}`, value: Buffer.from(type.encode(type.fromObject(value)).finish()) };
}

export function unpackAny<T>(any: { type_url: string; value: Buffer }): T {
  const typeName = any.type_url.slice(any.type_url.lastIndexOf('/') + 1);
  const type = protoRoot().lookupType(typeName);
  return type.toObject(type.decode(any.value), { longs: String, enums: String, defaults: true }) as T;
}

/** A proto enum value → the domain's name; UNSPECIFIED → undefined (the default); anything else passes through as
 * given, so the schema rejects it naming the field instead of defaulting it. */
function enumValue(value: string | number | undefined, names: Readonly<Record<string, string>>, unspecified: string): string | undefined {
  if (value === undefined || value === unspecified || value === 0) return undefined;
  return names[String(value)] ?? `unknown value ${String(value)}`;
}

/**
 * Proto RunSpec → the JSON form the domain validates. Optional fields that are absent take their defaults; a
 * present value (an explicit 0 included) is validated as given.
 */
export function runSpecFromProto(p: RunSpec__Output | null | undefined): unknown {
  if (p === null || p === undefined) return {};
  const d = p.dataset;
  const m = p.model;
  const tasks = { TASK_KIND_CLASSIFICATION: 'classification', TASK_KIND_REGRESSION: 'regression' };
  const modelTask = m === null ? undefined : enumValue(m.task, tasks, 'TASK_KIND_UNSPECIFIED');
  const dataTask = d === null ? undefined : enumValue(d.task, tasks, 'TASK_KIND_UNSPECIFIED');
  if (modelTask !== undefined && modelTask !== (dataTask ?? 'classification')) {
    throw invalidArgument(`invalid run spec: model.task: must match dataset.task (${dataTask ?? 'classification'}), got ${modelTask}`, { field: 'model.task' });
  }
  const drop = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const text = (v: string | undefined): string | undefined => (v === '' ? undefined : v);
  return drop({
    dataset: d === null ? undefined : drop({
      builtin: text(d.builtin),
      uri: text(d.uri),
      sha256: text(d.sha256),
      idColumn: text(d.idColumn),
      labelColumn: text(d.labelColumn),
      task: dataTask,
      publicFraction: d.publicFraction,
      testFraction: d.testFraction,
      stride: d.stride,
      samples: d.samples,
      features: d.features,
      classes: d.classes,
    }),
    model: m === null ? undefined : drop({
      hidden: m.hiddenUnits,
      blocks: m.blocks,
      loraRank: m.loraRank,
      convStem: m.convStem ? true : undefined,
      learningRate: m.learningRate,
      batchSize: m.batchSize,
      regressionLoss: text(m.regressionLoss),
      gradientRestriction: m.gradientRestriction,
    }),
    shards: p.shards,
    slices: p.slices,
    budget: p.budget,
    selection: enumValue(p.selection, { SELECTION_METHOD_CYCLIC: 'cyclic', SELECTION_METHOD_BMS: 'bms' }, 'SELECTION_METHOD_UNSPECIFIED'),
    prior: p.prior.length === 0 ? undefined : p.prior,
    horizon: p.horizon,
    epochs: p.epochs,
    pretrainEpochs: p.pretrainEpochs,
    seed: p.seed,
    fallbackToBackbone: p.fallbackToBackbone ? true : undefined,
    retraining: p.retraining === null ? undefined : retrainingPolicyFromProto(p.retraining),
    taskSilenceTimeoutS: p.taskSilenceTimeoutS,
  });
}

const POLICY_KINDS = { RETRAINING_POLICY_KIND_EAGER: 'eager', RETRAINING_POLICY_KIND_COALESCE: 'coalesce', RETRAINING_POLICY_KIND_CAPACITY: 'capacity' } as const;
const POLICY_SCOPES = { RETRAINING_SCOPE_ALL: 'all', RETRAINING_SCOPE_DEEPEST: 'deepest' } as const;

/** Proto RetrainingPolicy → the JSON form RetrainingPolicySchema validates (an unknown kind fails there). */
export function retrainingPolicyFromProto(p: RetrainingPolicy__Output): Record<string, unknown> {
  const windowMs = Number(p.windowMs);
  return {
    ...(p.kind === 'RETRAINING_POLICY_KIND_UNSPECIFIED' || (p.kind as unknown) === 0 ? {} : { kind: (POLICY_KINDS as Record<string, string>)[String(p.kind)] ?? `unknown value ${String(p.kind)}` }),
    windowMs: Number.isSafeInteger(windowMs) ? windowMs : -1,
    maxDeletions: p.maxDeletions,
    minServingDepth: p.minServingDepth,
    minCapacityLeft: Number.isSafeInteger(Number(p.minCapacityLeft)) ? Number(p.minCapacityLeft) : -1,
    reserveQuietMs: Number.isSafeInteger(Number(p.reserveQuietMs)) ? Number(p.reserveQuietMs) : -1,
    ...(p.scope === 'RETRAINING_SCOPE_UNSPECIFIED' || (p.scope as unknown) === 0 || p.scope === undefined ? {} : { scope: (POLICY_SCOPES as Record<string, string>)[String(p.scope)] ?? `unknown value ${String(p.scope)}` }),
  };
}

export function retrainingPolicyToProto(r: RetrainingPolicy): RetrainingPolicyProto {
  const kind = (Object.entries(POLICY_KINDS).find(([, v]) => v === r.kind)?.[0] ?? 'RETRAINING_POLICY_KIND_EAGER') as NonNullable<RetrainingPolicyProto['kind']>;
  const scope = (Object.entries(POLICY_SCOPES).find(([, v]) => v === r.scope)?.[0] ?? 'RETRAINING_SCOPE_ALL') as NonNullable<RetrainingPolicyProto['scope']>;
  return { kind, windowMs: String(r.windowMs), maxDeletions: r.maxDeletions, minServingDepth: r.minServingDepth, minCapacityLeft: String(r.minCapacityLeft), scope, reserveQuietMs: String(r.reserveQuietMs) };
}

export function runSpecToProto(s: RunSpec): RunSpecProto {
  return {
    dataset: {
      ...(s.dataset.builtin === undefined ? {} : { builtin: s.dataset.builtin }),
      ...(s.dataset.uri === undefined ? {} : { uri: s.dataset.uri }),
      ...(s.dataset.sha256 === undefined ? {} : { sha256: s.dataset.sha256 }),
      idColumn: s.dataset.idColumn,
      labelColumn: s.dataset.labelColumn,
      publicFraction: s.dataset.publicFraction,
      testFraction: s.dataset.testFraction,
      stride: s.dataset.stride,
      samples: s.dataset.samples,
      features: s.dataset.features,
      classes: s.dataset.classes,
      task: s.dataset.task === 'regression' ? 'TASK_KIND_REGRESSION' : 'TASK_KIND_CLASSIFICATION',
    },
    model: {
      task: s.dataset.task === 'regression' ? 'TASK_KIND_REGRESSION' : 'TASK_KIND_CLASSIFICATION',
      hiddenUnits: s.model.hidden,
      blocks: s.model.blocks ?? s.slices,
      loraRank: s.model.loraRank,
      convStem: s.model.convStem,
      learningRate: s.model.learningRate,
      batchSize: s.model.batchSize,
      regressionLoss: s.model.regressionLoss,
      gradientRestriction: s.model.gradientRestriction,
    },
    shards: s.shards,
    slices: s.slices,
    budget: s.budget,
    selection: s.selection === 'bms' ? 'SELECTION_METHOD_BMS' : 'SELECTION_METHOD_CYCLIC',
    prior: s.prior ?? [],
    horizon: s.horizon,
    epochs: s.epochs,
    pretrainEpochs: s.pretrainEpochs,
    seed: s.seed,
    fallbackToBackbone: s.fallbackToBackbone,
    retraining: retrainingPolicyToProto(s.retraining),
    ...(s.taskSilenceTimeoutS === undefined ? {} : { taskSilenceTimeoutS: s.taskSilenceTimeoutS }),
  };
}

export function receiptToProto(r: Receipt): DeletionReceipt {
  return {
    name: r.name,
    requestId: r.requestId,
    sampleCount: r.sampleCount,
    alreadyDeleted: r.alreadyDeleted,
    shards: r.shards,
    deactivated: r.deactivated,
    serving: r.serving,
    revision: String(r.revision),
    retrainingScheduled: r.retrainingScheduled,
    acknowledgeTime: timestamp(r.acknowledgeTime),
  };
}
