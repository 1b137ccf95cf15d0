import { Metadata, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { channelCredentials, type ClientCredentials } from '../../shared/src/security/tls.js';
import { loadLetheProtos } from '../../shared/src/adapters/grpc/protos.js';
import type { ArtifactStore } from '../../shared/src/ports/artifact-store.js';
import { putBackbone, putStage } from '../../shared/src/ml/run-model.js';
import { loadDataset } from '../../shared/src/ml/data/registry.js';
import { parseRunSpec } from '../../shared/src/domain/run-spec.js';
import { sampleIdsHash } from '../../shared/src/ml/data/dataset.js';
import { shardMembers, stageSampleIds } from '../../shared/src/ml/data/shard-members.js';
import { deletedBy } from '../../shared/src/domain/sample-digest.js';
import type { WorkerMessage } from '../../shared/src/gen/lethe/v1/WorkerMessage.js';
import type { CoordinatorMessage__Output } from '../../shared/src/gen/lethe/v1/CoordinatorMessage.js';
import type { TaskAssignment__Output } from '../../shared/src/gen/lethe/v1/TaskAssignment.js';
import { eventually } from './eventually.js';

export type Forgery = (honest: { artifact: string; manifestHash: string }, a: TaskAssignment__Output, store: ArtifactStore) => Promise<{ artifact: string; manifestHash: string }>;

const TINY = { w: { shape: [1], data: Float32Array.from([1]) } };

/** What a correct worker would store for an assignment: a backbone, or a stage whose manifest tells the truth. */
export async function honestArtifact(store: ArtifactStore, a: TaskAssignment__Output, over: { ids?: (ids: string[]) => string[] } = {}): Promise<{ artifact: string; manifestHash: string }> {
  if (a.pretrain) {
    const artifact = await putBackbone(store, { kind: 'backbone', dataset: 'blobs', config: {}, publicIdsHash: '', publicCount: 0, epochs: 1, seed: 1 }, TINY, TINY);
    return { artifact, manifestHash: '' };
  }
  const t = a.stage!;
  const spec = parseRunSpec(JSON.parse(t.runSpecJson));
  const dataset = loadDataset(spec.dataset);
  const members = shardMembers(dataset, t.salt, spec.shards, spec.slices)[t.stage!.shard]!;
  const prefix = t.ordering.slice(0, t.stage!.stage);
  const honest = stageSampleIds(dataset, members, prefix, deletedBy(t.sampleIdKey, t.excludedSampleIds));
  const ids = over.ids === undefined ? honest : over.ids(honest);
  const manifestHash = sampleIdsHash(ids);
  const manifest = {
    kind: 'stage' as const,
    run: t.run.replace(/^runs\//, ''),
    shard: t.stage!.shard,
    orderings: [...t.sharingOrderings],
    prefix,
    stage: t.stage!.stage,
    block: 0,
    slices: t.slices.map((x) => ({ slice: x.slice, generation: Number(x.generation) })),
    sampleIdsHash: manifestHash,
    sampleCount: ids.length,
    parent: t.parentArtifact === '' ? null : t.parentArtifact,
    backbone: t.backboneArtifact,
    epochs: 1,
    seed: 1,
  };
  return { artifact: await putStage(store, manifest, { adapter: TINY, head: TINY }, ids), manifestHash };
}


/**
 * A worker speaking the real protocol over gRPC, scripted by the test: it answers assignments as told, can fail,
 * drop, or hand back tasks, and heartbeats what it claims to hold.
 */
export class ScriptedWorker {
  readonly assignments: TaskAssignment__Output[] = [];
  readonly cancels: string[] = [];
  /** Drain messages received: true for a drain, false when one was lifted. */
  readonly drains: boolean[] = [];
  /** How the coordinator ended the stream, if it did. */
  error: { code: number; details: string } | undefined;
  private readonly stream: ClientDuplexStream<WorkerMessage, CoordinatorMessage__Output>;

  constructor(
    address: string,
    readonly id: string,
    private readonly store: ArtifactStore,
    hello: { readonly slots?: number; readonly batchCapacity?: number; readonly running?: readonly string[] },
    creds: ClientCredentials,
  ) {
    const { grpc } = loadLetheProtos();
    const client = new grpc.lethe.v1.WorkerProtocol(address, channelCredentials(creds.transport));
    const meta = new Metadata();
    if (creds.token !== undefined) meta.set('authorization', `Bearer ${creds.token}`);
    this.stream = client.attach(meta);
    this.stream.on('data', (m: CoordinatorMessage__Output) => {
      if (m.assignment) this.assignments.push(m.assignment);
      if (m.cancel) this.cancels.push(m.cancel.taskId);
      if (m.drain) this.drains.push(!m.drain.lifted);
    });
    this.stream.on('error', (e: ServiceError) => {
      this.error = { code: e.code, details: e.details };
    });
    this.stream.write({ hello: { workerId: id, backend: 'cpu', slots: hello.slots ?? 1, batchCapacity: hello.batchCapacity ?? 0, version: 'test', leaseId: '0', runningTaskIds: [...(hello.running ?? [])] } });
  }

  /** The next assignment of `run` not yet taken, once it arrives. */
  next(run: string, taken: Set<string>): Promise<TaskAssignment__Output> {
    return eventually(`an assignment of ${run} for ${this.id}`, 10_000, () =>
      Promise.resolve(this.assignments.find((a) => !taken.has(a.taskId) && (a.stage?.run ?? a.pretrain?.run) === `runs/${run}`)),
    );
  }

  /** Reports a result: a failure, an honest artifact, or what `forge` makes of one. */
  async result(a: TaskAssignment__Output, ok: boolean, error = '', forge?: Forgery): Promise<string> {
    let out = { artifact: '', manifestHash: '' };
    if (ok) {
      out = await honestArtifact(this.store, a);
      if (forge !== undefined) out = await forge(out, a, this.store);
    }
    this.stream.write({ result: { taskId: a.taskId, epoch: a.epoch, ok, error, ...out, samplePasses: '10' } });
    return out.artifact;
  }

  heartbeat(holding: string[], shuttingDown = false): void {
    this.stream.write({ heartbeat: { runningTasks: holding.length, runningTaskIds: holding, shuttingDown } });
  }

  /** Reports progress on a task (fraction 0 is a worker's report that a training thread took it). */
  progress(a: TaskAssignment__Output, fraction: number): void {
    this.stream.write({ progress: { taskId: a.taskId, fraction, loss: fraction === 0 ? Number.NaN : 1, samplesSeen: '0' } });
  }

  release(a: TaskAssignment__Output): void {
    this.stream.write({ release: { taskId: a.taskId, reason: 'test hands it back' } });
  }

  close(): void {
    this.stream.end();
  }
}

