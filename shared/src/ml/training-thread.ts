import { parentPort, workerData } from 'node:worker_threads';
import { LetheError } from '../errors/errors.js';
import { selectBackend, type BackendName } from './backend.js';
import { runFullJob, runPretrainJob, runShardJob, type FullJobInput, type PretrainJobInput, type ShardJobInput } from './shard-job.js';
import { runPredictJob, type PredictJobInput } from './predict-job.js';
import { runUnlearnJob, type UnlearnJobInput } from './unlearning/job.js';

/** Entry of one training thread: its own TF.js on the pool's backend, one job at a time. */
const { backend } = workerData as { backend: BackendName };
const ready = selectBackend({ forced: backend });

parentPort?.on('message', (msg: { id: number; kind: 'shard' | 'full' | 'pretrain' | 'predict' | 'unlearn'; job: unknown }) => {
  void (async () => {
    try {
      await ready;
      const result =
        msg.kind === 'shard'
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
