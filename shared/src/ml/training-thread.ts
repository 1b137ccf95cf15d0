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

/** Per running batched request: one abort per member job (a member's cancel arrives as its own message). */
const memberAborts = new Map<number, AbortController[]>();

type Message = { id: number; kind: 'shard' | 'shards' | 'full' | 'pretrain' | 'predict' | 'unlearn'; job: unknown } | { id: number; kind: 'cancel-member'; member: number };

parentPort?.on('message', (msg: Message) => {
  if (msg.kind === 'cancel-member') {
    memberAborts.get(msg.id)?.[msg.member]?.abort();
    return;
  }
  void (async () => {
    try {
      await ready;
      const result =
        msg.kind === 'shards'
          ? await runMembers(msg.id, msg.job as readonly ShardJobInput[])
          : msg.kind === 'shard'
          ? await runShardJob(msg.job as ShardJobInput, (progress) => parentPort?.postMessage({ id: msg.id, progress }))
          : msg.kind === 'full'
            ? await runFullJob(msg.job as FullJobInput)
            : msg.kind === 'unlearn'
              ? await runUnlearnJob(msg.job as UnlearnJobInput, (progress) => parentPort?.postMessage({ id: msg.id, progress }))
            : msg.kind === 'predict'
              ? await runPredictJob(msg.job as PredictJobInput)
              : await runPretrainJob(msg.job as PretrainJobInput);
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

async function runMembers(id: number, jobs: readonly ShardJobInput[]): Promise<unknown> {
  const aborts = jobs.map(() => new AbortController());
  memberAborts.set(id, aborts);
  try {
    return await runShardJobs(jobs, {
      jobSignals: aborts.map((a) => a.signal),
      onProgress: (job, p) => parentPort?.postMessage({ id, progress: { ...p, job } }),
    });
  } finally {
    memberAborts.delete(id);
  }
}
