import { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { receiptJson } from './receipt-commands.js';
import Table from 'cli-table3';
import type { LetheClient } from '../client/lethe-client.js';
import { cliClient, COORDINATOR_OPTION, PLAIN } from './cli-common.js';
import type { Run__Output } from '../../../shared/src/gen/lethe/v1/Run.js';


function client(flags: { coordinator: string }): LetheClient {
  return cliClient(flags.coordinator);
}

export function deleteCommand(): Command {
  return new Command('delete')
    .description('delete samples from a run (idempotent by --request-id) and print the receipt')
    .requiredOption('--run <run>', 'runs/<id>')
    .option(...COORDINATOR_OPTION)
    .option('--request-id <id>', 'idempotency key (a UUID by default)')
    .option('--json', 'print the receipt as JSON')
    .option('--receipt <file>', 'save the signed receipt (JSON) to check later with `lethe receipt verify`')
    .argument('<sampleIds...>', 'sample ids to delete')
    .action(async (ids: string[], flags: { run: string; coordinator: string; requestId?: string; json?: boolean; receipt?: string }) => {
      const c = client(flags);
      try {
        const started = performance.now();
        const r = await c.deleteSamples(flags.requestId ?? randomUUID(), flags.run, ids);
        const ms = performance.now() - started;
        if (flags.receipt !== undefined) writeFileSync(flags.receipt, `${receiptJson(r)}\n`);
        if (flags.json === true) {
          process.stdout.write(`${receiptJson(r)}\n`);
          return;
        }
        process.stdout.write(`${r.name}: ${r.sampleCount} id(s) (${r.alreadyDeleted} already deleted), revision ${r.revision}, ${ms.toFixed(1)} ms\n`);
        const t = new Table({ head: ['shard', 'tainted slices', 'serving ordering', 'depth', 'live'], style: PLAIN });
        for (const s of r.serving) t.push([s.shard, (r.shards.find((x) => x.shard === s.shard)?.taintedSlices ?? []).join(','), s.ordering, s.depth, s.live ? 'yes' : 'NO']);
        process.stdout.write(`${t.toString()}\n${r.deactivated.length} stage(s) deactivated; ${r.retrainingScheduled.length} scheduled for retraining\n`);
      } finally {
        c.close();
      }
    });
}

export function statusCommand(): Command {
  return new Command('status')
    .description("print a run's shards, orderings and stage states")
    .requiredOption('--run <run>', 'runs/<id>')
    .option(...COORDINATOR_OPTION)
    .option('--json', 'print the run as JSON')
    .action(async (flags: { run: string; coordinator: string; json?: boolean }) => {
      const c = client(flags);
      try {
        const run = await c.getRun(flags.run);
        if (flags.json === true) {
          process.stdout.write(`${JSON.stringify(run)}\n`);
          return;
        }
        process.stdout.write(formatRunStatus(run));
      } finally {
        c.close();
      }
    });
}

/** `lethe status`'s text: the run's state and backbone, a table of its orderings, then every stage with failed tries and why. */
export function formatRunStatus(run: Run__Output): string {
  const lines = [`${run.name}: ${run.state}, revision ${run.revision}, ${run.userSamples} user samples`];
  // First: a restore that forgot deletions means the run serves what it must not.
  if (run.lostDeletionCount > 0) {
    lines.push(`deletions etcd lost (restored from an older snapshot?): ${run.lostDeletionCount}; replay each with the same request id and ids:`);
    for (const l of run.lostDeletions) {
      const at = l.acknowledgeTime === null ? '' : new Date(Number(l.acknowledgeTime.seconds) * 1000 + l.acknowledgeTime.nanos / 1e6).toISOString();
      lines.push(`  ${l.requestId === '' ? '(no request id)' : `request ${l.requestId}`}, acknowledged ${at} as ${l.deletion}`);
    }
    if (run.lostDeletionCount > run.lostDeletions.length) lines.push(`  (and ${run.lostDeletionCount - run.lostDeletions.length} more)`);
  }
  const b = run.backbone;
  if (b !== null) lines.push(`backbone: ${b.state.replace('BACKBONE_STATE_', '')}${b.failedAttempts > 0 ? `, ${b.failedAttempts} failed tries, last: ${b.lastError}` : ''}`);
  const t = new Table({ head: ['shard', 'ordering', 'slices', 'depth', 'stages'], style: PLAIN });
  const failing: string[] = [];
  for (const s of run.shards) {
    for (const o of s.orderings) {
      const marker = s.serving?.ordering === o.index && s.serving.live ? ' (serving)' : '';
      t.push([s.shard, `${o.index}${marker}`, o.slices.join('→'), o.survivingDepth, o.stages.map((st) => st.state.replace('STAGE_STATE_', '')).join(' ')]);
      for (const st of o.stages) if (st.failedAttempts > 0) failing.push(`  shard ${s.shard} ordering ${o.index} stage ${st.stage}: ${st.state === 'STAGE_STATE_FAILED' ? 'FAILED' : 'retrying'} after ${st.failedAttempts} failed tries, last: ${st.lastError}`);
    }
  }
  lines.push(t.toString());
  // Why a stage is FAILED (or backing off) is the first thing an operator asks.
  if (failing.length > 0) lines.push('stages with failed tries:', ...failing);
  return `${lines.join('\n')}\n`;
}

export function whereCommand(): Command {
  return new Command('where')
    .description('where a sample lives: its shard, slice and every stage that saw it')
    .requiredOption('--run <run>', 'runs/<id>')
    .requiredOption('--id <sampleId>', 'sample id')
    .option(...COORDINATOR_OPTION)
    .action(async (flags: { run: string; id: string; coordinator: string }) => {
      const c = client(flags);
      try {
        const l = await c.whereIs(flags.run, flags.id);
        if (l.public) {
          process.stdout.write(`${l.sampleId} is public data: it pretrained the frozen backbone and cannot be deleted\n`);
          return;
        }
        if (l.test) {
          process.stdout.write(`${l.sampleId} is test data: held out for evaluation, never trained on, not deletable\n`);
          return;
        }
        process.stdout.write(`${l.sampleId}: shard ${l.shard}, slice ${l.slice}${l.deleted ? ' (deleted)' : ''}\n`);
        for (const s of l.stages) process.stdout.write(`  ordering ${s.stage?.ordering ?? 0} stage ${s.stage?.stage ?? 0}: ${s.state.replace('STAGE_STATE_', '')}\n`);
      } finally {
        c.close();
      }
    });
}

/** `lethe drain` / `lethe undrain`: an operator's drain, stored in etcd until lifted. */
function drainVerb(name: 'drain' | 'undrain'): Command {
  return new Command(name)
    .description(name === 'drain' ? 'stop assigning work to a worker (it finishes what it runs); kept across restarts until undrained' : 'lift a drain: the worker takes work again')
    .argument('<worker>', 'workers/<id> or the bare id')
    .option(...COORDINATOR_OPTION)
    .action(async (worker: string, flags: { coordinator: string }) => {
      const c = client(flags);
      try {
        const w = name === 'drain' ? await c.drainWorker(worker) : await c.undrainWorker(worker);
        process.stdout.write(`${w.name}: ${w.state.replace('WORKER_STATE_', '')}, ${w.runningTasks} task(s) running\n`);
      } finally {
        c.close();
      }
    });
}

export const drainCommand = (): Command => drainVerb('drain');
export const undrainCommand = (): Command => drainVerb('undrain');
