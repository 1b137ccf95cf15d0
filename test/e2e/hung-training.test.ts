import { describe, expect, it } from 'vitest';
import { LetheError, ErrorCode } from '../../shared/src/errors/errors.js';
import { useInProcessCluster } from '../support/in-process.js';

const PREFIX = '/hung/';
// Long enough for a real try's gaps between reports (storing its artifacts after the last epoch) on a busy machine.
const SILENCE_MS = 3_000;
const spec = { dataset: { builtin: 'blobs', samples: 400, features: 4, classes: 2 }, shards: 1, slices: 1, budget: 1, epochs: 2, pretrainEpochs: 1 };

/** Reports a start, then never another word: a training that hangs, until its task is cancelled. */
function hang(report: () => void, signal: AbortSignal | undefined): Promise<never> {
  report();
  return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new LetheError(ErrorCode.CANCELLED, 'training cancelled')), { once: true }));
}

/** The first try (none logged yet) hangs after reporting its start; later ones train. Each logs how it ended. */
function firstTryHangs<T>(log: string[], train: () => Promise<T>, reportStart: () => void, signal: AbortSignal | undefined): Promise<T> {
  if (log.length > 0) return train().finally(() => log.push('trained'));
  return hang(reportStart, signal).catch((e: unknown) => {
    log.push('hung');
    throw e;
  });
}

describe('a training that hangs on a real worker is taken back after the silence timeout and retried', () => {
  /** What each try ended as, in order: 'hung' (cancelled by the leader) or 'trained'. */
  const tries = { pretrain: [] as string[], stage: [] as string[] };
  const cluster = useInProcessCluster({
    name: 'hung',
    prefix: PREFIX,
    workerId: 'hw',
    backend: 'cpu',
    coordinator: { taskSilenceTimeoutMs: SILENCE_MS },
    worker: {
      // The first pretraining and the first stage task hang after reporting their start; the retries train.
      beforeStart: (executor) => {
        const pretrain = executor.pretrain.bind(executor);
        const started = { fraction: 0, loss: Number.NaN, samplesSeen: 0 };
        executor.pretrain = (json, onProgress, signal) => firstTryHangs(tries.pretrain, () => pretrain(json, onProgress, signal), () => onProgress?.(started), signal);
        const stageGroup = executor.stageGroup.bind(executor);
        executor.stageGroup = (tasks, onProgress, signals) =>
          firstTryHangs(tries.stage, () => stageGroup(tasks, onProgress, signals), () => tasks.forEach((_, i) => onProgress?.(i, started)), signals?.[0]);
      },
    },
  });

  it('pretraining and stage: each try that hangs is cancelled on the worker, counted, and the run completes', async () => {
    const { client, worker } = cluster;
    const op = await client.createRun({ requestId: '', runId: 'hung', spec });
    await client.waitForOperation(op.name, 60_000);
    expect(tries).toEqual({ pretrain: ['hung', 'trained'], stage: ['hung', 'trained'] });
    const run = await client.getRun('runs/hung');
    expect(run.state).toBe('RUN_STATE_SERVING');
    // The stage's failed try was cleared by its success; the worker saw two cancels, one per hung task.
    expect(run.shards[0]?.orderings[0]?.stages[0]).toMatchObject({ state: 'STAGE_STATE_ACTIVE', failedAttempts: 0 });
    const workerMetrics = await worker.agent.metrics.metrics();
    for (const kind of ['pretrain', 'stage']) expect(workerMetrics).toMatch(new RegExp(`^lethe_worker_tasks_total\\{kind="${kind}",outcome="cancelled"\\} 1$`, 'm'));
    expect(await cluster.lethe.coordinator.metrics.registry.metrics()).toMatch(/^lethe_task_timeouts_total 2$/m);
  }, 90_000);
});
