import { parentPort, workerData } from 'node:worker_threads';
import { LetheError } from '../errors/errors.js';
import { selectBackend, type BackendName } from './backend.js';
import { runFullJob, runPretrainJob, runShardJob, runShardJobs, type FullJobInput, type PretrainJobInput, type ShardJobInput } from './shard-job.js';
import { runPredictJob, type PredictJobInput } from './predict-job.js';
import { runUnlearnJob, type UnlearnJobInput } from './unlearning/job.js';

/** Entry of one training thread: its own TF.js on the pool's backend, one job at a time. */
const { backend } = workerData as { backend: BackendName };
const ready = selectBackend({ forced: backend });
// The pool times a replacement thread's start (a fresh TF.js) as work its cancelled job cost.
void ready.then(() => parentPort?.postMessage({ ready: true }), () => undefined);

/**
 * Per running request that can stop early: one abort per member job (a member's cancel arrives as its own message;
 * a lone shard or unlearning job is member 0). Such a job stops at its next epoch or batch boundary and the thread
 * lives on; the pool replaces a thread only when that does not come within its grace.
 */
const memberAborts = new Map<number, AbortController[]>();

/** Runs `job` with `members` aborts registered under `id` until it ends. */
async function cancellable<T>(id: number, members: number, job: (signals: AbortSignal[]) => Promise<T>): Promise<T> {
  const aborts = Array.from({ length: members }, () => new AbortController());
  memberAborts.set(id, aborts);
  try {
    return await job(aborts.map((a) => a.signal));
  } finally {
    memberAborts.delete(id);
  }
}

type Message = { id: number; kind: 'shard' | 'shards' | 'full' | 'pretrain' | 'predict' | 'unlearn'; job: unknown } | { id: number; kind: 'cancel-member'; member: number };

parentPort?.on('message', (msg: Message) => {
  if (msg.kind === 'cancel-member') {
    memberAborts.get(msg.id)?.[msg.member]?.abort();
    return;
  }
  void (async () => {
    try {
      await ready;
      const progress = (p: unknown): void => parentPort?.postMessage({ id: msg.id, progress: p });
      const result =
        msg.kind === 'shards'
          ? await runMembers(msg.id, msg.job as readonly ShardJobInput[])
          : msg.kind === 'shard'
          ? await cancellable(msg.id, 1, ([signal]) => runShardJob(msg.job as ShardJobInput, progress, signal))
          : msg.kind === 'full'
            ? await runFullJob(msg.job as FullJobInput)
            : msg.kind === 'unlearn'
              ? await cancellable(msg.id, 1, ([signal]) => runUnlearnJob(msg.job as UnlearnJobInput, progress, signal))
            : msg.kind === 'predict'
              ? await runPredictJob(msg.job as PredictJobInput)
              : await cancellable(msg.id, 1, ([signal]) => runPretrainJob(msg.job as PretrainJobInput, progress, signal));
      parentPort?.postMessage({ id: msg.id, ok: true, result });
    } catch (e) {
      parentPort?.postMessage({
        id: msg.id,
        ok: false,
        error: e instanceof Error ? e.message : String(e),
        ...(e instanceof LetheError ? { code: e.code } : {}),
      });
    }
  })();
});

function runMembers(id: number, jobs: readonly ShardJobInput[]): Promise<unknown> {
  return cancellable(id, jobs.length, (jobSignals) => runShardJobs(jobs, { jobSignals, onProgress: (job, p) => parentPort?.postMessage({ id, progress: { ...p, job } }) }));
}
