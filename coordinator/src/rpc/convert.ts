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

const nonZero = <T extends number>(x: T | undefined | null): T | undefined => (x === undefined || x === null || x === 0 ? undefined : x);

/** Proto RunSpec → the JSON form the domain validates (zero values mean "use the default"). */
export function runSpecFromProto(p: RunSpec__Output | null | undefined): unknown {
  if (p === null || p === undefined) return {};
  const d = p.dataset;
  const m = p.model;
  const drop = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return drop({
    dataset: d === null ? undefined : drop({
      builtin: d.builtin === '' || d.builtin === undefined ? undefined : d.builtin,
      uri: d.uri === '' || d.uri === undefined ? undefined : d.uri,
      idColumn: d.idColumn === '' ? undefined : d.idColumn,
      labelColumn: d.labelColumn === '' ? undefined : d.labelColumn,
      task: d.task === 'TASK_KIND_REGRESSION' ? 'regression' : undefined,
      publicFraction: nonZero(d.publicFraction),
      testFraction: nonZero(d.testFraction),
      stride: nonZero(d.stride),
      samples: nonZero(d.samples),
      features: nonZero(d.features),
      classes: nonZero(d.classes),
    }),
    model: m === null ? undefined : drop({
      hidden: nonZero(m.hiddenUnits),
      blocks: nonZero(m.blocks),
      loraRank: nonZero(m.loraRank),
      convStem: m.convStem ? true : undefined,
      learningRate: nonZero(m.learningRate),
      batchSize: nonZero(m.batchSize),
      regressionLoss: m.regressionLoss === '' ? undefined : m.regressionLoss,
    }),
    shards: p.shards,
    slices: p.slices,
    budget: p.budget,
    selection: p.selection === 'SELECTION_METHOD_BMS' ? 'bms' : p.selection === 'SELECTION_METHOD_CYCLIC' ? 'cyclic' : undefined,
    prior: p.prior.length === 0 ? undefined : p.prior,
    horizon: nonZero(p.horizon),
    epochs: nonZero(p.epochs),
    pretrainEpochs: nonZero(p.pretrainEpochs),
    seed: nonZero(p.seed),
    fallbackToBackbone: p.fallbackToBackbone ? true : undefined,
  });
}

export function runSpecToProto(s: RunSpec): RunSpecProto {
  return {
    dataset: {
      ...(s.dataset.builtin === undefined ? {} : { builtin: s.dataset.builtin }),
      ...(s.dataset.uri === undefined ? {} : { uri: s.dataset.uri }),
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
