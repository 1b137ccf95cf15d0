import { invalidArgument } from '../../../shared/src/errors/errors.js';
import { Command, InvalidArgumentError } from 'commander';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Table from 'cli-table3';
import { unpackAny } from '../rpc/convert.js';
import { COORDINATOR_OPTION, PLAIN, withClient } from './cli-common.js';
import { createProgress } from './progress.js';
import { MAX_TASK_SILENCE_TIMEOUT_S } from '../../../shared/src/domain/run-spec.js';
import type { WorkerInfo__Output } from '../../../shared/src/gen/lethe/v1/WorkerInfo.js';

const int = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer`);
  return n;
};

/** A task silence timeout in seconds, 0..a week; checked here too, since the wire's uint32 would wrap a negative. */
const silenceSeconds = (name: string, or = '') => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > MAX_TASK_SILENCE_TIMEOUT_S) throw new InvalidArgumentError(`${name} must be 0..${MAX_TASK_SILENCE_TIMEOUT_S}${or}, got ${v}`);
  return n;
};


interface CreateFlags {
  id: string;
  spec?: string;
  dataset?: string;
  shards?: number;
  slices?: number;
  budget?: number;
  epochs?: number;
  taskSilenceTimeout?: number;
  stride?: number;
  requestId?: string;
  wait?: boolean;
  json?: boolean;
  coordinator: string;
}

/** `lethe run create|list|get`: runs from the command line; --wait follows the creation with a progress bar. */
export function runCommand(): Command {
  const run = new Command('run').description('create, list and inspect runs');
  run.addCommand(
    new Command('create')
      .description('create a run (idempotent by --request-id) from a JSON spec file or flags')
      .requiredOption('--id <id>', 'run id (a lowercase DNS label)')
      .option('--spec <file>', 'the run spec as JSON (the RunSpec message, camelCase); flags below override its fields')
      .option('--dataset <name>', 'built-in dataset: mnist, fashion-mnist or blobs')
      .option('--stride <n>', 'keep every n-th sample of a built-in dataset', int('--stride'))
      .option('--shards <m>', 'shards', int('--shards'))
      .option('--slices <L>', 'slices per shard', int('--slices'))
      .option('--budget <B>', 'orderings per shard', int('--budget'))
      .option('--epochs <n>', 'epochs per stage', int('--epochs'))
      .option('--task-silence-timeout <s>', "take back a task of this run that reports nothing for s seconds (0: never; default: the coordinator's)", silenceSeconds('--task-silence-timeout'))
      .option('--request-id <id>', 'idempotency key (a UUID by default)')
      .option('--wait', 'wait until every stage is trained, with a progress bar')
      .option('--json', 'print the operation (or, with --wait, the run) as JSON')
      .option(...COORDINATOR_OPTION)
      .action(async (f: CreateFlags) => {
        const base = f.spec === undefined ? {} : (JSON.parse(readFileSync(f.spec, 'utf8')) as Record<string, unknown>);
        const dataset = { ...((base['dataset'] as Record<string, unknown> | undefined) ?? {}), ...(f.dataset === undefined ? {} : { builtin: f.dataset }), ...(f.stride === undefined ? {} : { stride: f.stride }) };
        const spec = { ...base, dataset, ...(f.shards === undefined ? {} : { shards: f.shards }), ...(f.slices === undefined ? {} : { slices: f.slices }), ...(f.budget === undefined ? {} : { budget: f.budget }), ...(f.epochs === undefined ? {} : { epochs: f.epochs }), ...(f.taskSilenceTimeout === undefined ? {} : { taskSilenceTimeoutS: f.taskSilenceTimeout }) };
        await withClient(f.coordinator, async (c) => {
          const op = await c.createRun({ requestId: f.requestId ?? randomUUID(), runId: f.id, spec: spec });
          if (f.wait !== true) {
            process.stdout.write(f.json === true ? `${JSON.stringify(op)}\n` : `${op.name}: creating runs/${f.id}\n`);
            return;
          }
          const progress = f.json === true ? undefined : createProgress({ format: `runs/${f.id} {bar} {value}/{total} stages {state}`, line: `runs/${f.id} {value}/{total} stages {state}` });
          const bar = progress?.bar(1, { state: '' });
          const done = await c.waitForOperation(op.name, 24 * 3600 * 1000, (o) => {
            if (o.metadata === null) return;
            const p = unpackAny<{ stagesTotal: number; stagesCommitted: number; state: string }>(o.metadata);
            bar?.setTotal(Math.max(1, p.stagesTotal));
            bar?.update(p.stagesCommitted, { state: p.state.replace('RUN_STATE_', '') });
          });
          progress?.stop();
          const r = await c.getRun(`runs/${f.id}`);
          process.stdout.write(f.json === true ? `${JSON.stringify(r)}\n` : `runs/${f.id}: ${r.state.replace('RUN_STATE_', '')}, ${r.userSamples} user samples\n`);
          // Cancelled, or out of tries: the operation's error says why, and the exit status says it did not train.
          if (done.error !== null && done.error !== undefined) {
            process.stderr.write(`lethe: ${done.error.message}\n`);
            process.exitCode = 1;
          }
        }, 60_000);
      }),
  );
  run.addCommand(
    new Command('list')
      .description('every run with its state')
      .option('--json', 'print as JSON')
      .option(...COORDINATOR_OPTION)
      .action(async (f: { json?: boolean; coordinator: string }) =>
        withClient(f.coordinator, async (c) => {
          const runs = [];
          let token = '';
          do {
            const page = await c.listRuns(100, token);
            runs.push(...page.runs);
            token = page.nextPageToken;
          } while (token !== '');
          if (f.json === true) {
            process.stdout.write(`${JSON.stringify(runs)}\n`);
            return;
          }
          const t = new Table({ head: ['run', 'state', 'shards', 'live', 'user samples'], style: PLAIN });
          for (const r of runs) t.push([r.name, r.state.replace('RUN_STATE_', ''), r.shards.length, r.shards.filter((s) => s.serving?.live === true).length, r.userSamples]);
          process.stdout.write(`${t.toString()}\n`);
        }),
      ),
  );
  run.addCommand(
    new Command('get')
      .description('one run as JSON (`lethe status` prints it as a table)')
      .argument('<run>', 'runs/<id>')
      .option(...COORDINATOR_OPTION)
      .action(async (name: string, f: { coordinator: string }) => withClient(f.coordinator, async (c) => void process.stdout.write(`${JSON.stringify(await c.getRun(name))}\n`))),
  );
  run.addCommand(
    new Command('cancel')
      .description('stop training a run (final): in-flight stages are stopped, nothing more is trained; it serves what it committed')
      .argument('<run>', 'runs/<id>')
      .option(...COORDINATOR_OPTION)
      .action(async (name: string, f: { coordinator: string }) =>
        withClient(f.coordinator, async (c) => {
          await c.cancelOperation(`operations/${name.startsWith('runs/') ? name : `runs/${name}`}`);
          process.stdout.write(`${name} cancelled\n`);
        }),
      ),
  );
  run.addCommand(
    new Command('policy')
      .description('change when a live run retrains deactivated stages: eager, coalesce (a window and/or a deletion count), capacity (a serving depth and/or the run\'s deletion capacity left)')
      .argument('<run>', 'runs/<id>')
      .requiredOption('--kind <kind>', 'eager, coalesce or capacity')
      .option('--window-ms <ms>', 'coalesce: wait this long after the first pending deletion', '0')
      .option('--max-deletions <n>', 'coalesce: or until this many deletions gathered (0: no count)', '0')
      .option('--min-serving-depth <d>', 'capacity: retrain once a shard serves shallower than this', '0')
      .option('--min-capacity-left <n>', 'capacity: or once the run can absorb fewer than n more deletions (estimated; lethe plan shows the full capacity)', '0')
      .option('--scope <scope>', "all (every deactivated stage) or deepest (first the shard's deepest ordering back to full depth; the other orderings on slots nothing else wants)", 'all')
      .option('--reserve-quiet-ms <ms>', 'scope deepest: rebuild a shard\'s other orderings only once it has taken no deletion for this long', '0')
      .option(...COORDINATOR_OPTION)
      .action(async (name: string, f: { kind: string; windowMs: string; maxDeletions: string; minServingDepth: string; minCapacityLeft: string; scope: string; reserveQuietMs: string; coordinator: string }) =>
        withClient(f.coordinator, async (c) => {
          const kinds: Record<string, 'RETRAINING_POLICY_KIND_EAGER' | 'RETRAINING_POLICY_KIND_COALESCE' | 'RETRAINING_POLICY_KIND_CAPACITY'> = { eager: 'RETRAINING_POLICY_KIND_EAGER', coalesce: 'RETRAINING_POLICY_KIND_COALESCE', capacity: 'RETRAINING_POLICY_KIND_CAPACITY' };
          const kind = kinds[f.kind];
          if (kind === undefined) throw invalidArgument(`--kind must be eager, coalesce or capacity, got '${f.kind}'`);
          const scopes: Record<string, 'RETRAINING_SCOPE_ALL' | 'RETRAINING_SCOPE_DEEPEST'> = { all: 'RETRAINING_SCOPE_ALL', deepest: 'RETRAINING_SCOPE_DEEPEST' };
          const scope = scopes[f.scope];
          if (scope === undefined) throw invalidArgument(`--scope must be all or deepest, got '${f.scope}'`);
          const run = await c.updateRetrainingPolicy(name, { kind, windowMs: f.windowMs, maxDeletions: Number(f.maxDeletions), minServingDepth: Number(f.minServingDepth), minCapacityLeft: f.minCapacityLeft, scope, reserveQuietMs: f.reserveQuietMs });
          process.stdout.write(`${run.name}: retraining ${JSON.stringify(run.spec?.retraining)}\n`);
        }),
      ),
  );
  run.addCommand(
    new Command('timeout')
      .description("change how long a live run's started tasks may report nothing before they are taken back (applies to running tasks too)")
      .argument('<run>', 'runs/<id>')
      .argument('<seconds>', "0..604800 (0: never), or `cluster` for the coordinator's timeout")
      .option(...COORDINATOR_OPTION)
      .action(async (name: string, seconds: string, f: { coordinator: string }) =>
        withClient(f.coordinator, async (c) => {
          const value = seconds === 'cluster' ? undefined : silenceSeconds('<seconds>', ' or cluster')(seconds);
          const run = await c.updateTaskSilenceTimeout(name, value);
          const inForce = run.spec?.taskSilenceTimeoutS;
          process.stdout.write(`${run.name}: task silence timeout ${inForce === undefined ? "the coordinator's" : inForce === 0 ? '0 (never)' : `${inForce} s`}\n`);
        }),
      ),
  );
  run.addCommand(
    new Command('retry')
      .description('give every stage of a run that is FAILED or backing off (and its backbone, if so) fresh tries at once, once the cause is fixed')
      .argument('<run>', 'runs/<id>')
      .option(...COORDINATOR_OPTION)
      .action(async (name: string, f: { coordinator: string }) =>
        withClient(f.coordinator, async (c) => {
          const run = await c.retryRun(name);
          process.stdout.write(`${run.name}: ${run.state.replace('RUN_STATE_', '')} (every stage and backbone that was FAILED or backing off has fresh tries)\n`);
        }),
      ),
  );
  run.addCommand(
    new Command('delete')
      .description("delete a run: its state and every artifact trained for it (the id is never reused)")
      .argument('<run>', 'runs/<id>')
      .option(...COORDINATOR_OPTION)
      .action(async (name: string, f: { coordinator: string }) =>
        withClient(f.coordinator, async (c) => {
          await c.deleteRun(name);
          process.stdout.write(`${name} deleted\n`);
        }),
      ),
  );
  return run;
}

/** `lethe predict`: one or more rows through the serving ensemble. */
export function predictCommand(): Command {
  return new Command('predict')
    .description('predict with the model a run serves (its live shards), optionally after a given revision')
    .requiredOption('--run <run>', 'runs/<id>')
    .option('--values <numbers>', 'comma-separated features of one or more rows')
    .option('--input <file>', 'a JSON file: an array of rows (arrays of numbers)')
    .option('--min-revision <rev>', 'wait until the replica has applied this revision (a receipt\'s)', '0')
    .option('--json', 'print the response as JSON')
    .option(...COORDINATOR_OPTION)
    .action(async (f: { run: string; values?: string; input?: string; minRevision: string; json?: boolean; coordinator: string }) => {
      const rows: number[][] =
        f.input !== undefined ? (JSON.parse(readFileSync(f.input, 'utf8')) as number[][]) : f.values !== undefined ? [f.values.split(',').map(Number)] : [];
      if (rows.length === 0 || rows.some((r) => r.length !== (rows[0]?.length ?? 0) || r.some((x) => !Number.isFinite(x)))) throw new InvalidArgumentError('give --values or --input: rows of finite numbers, all of one width');
      await withClient(f.coordinator, async (c) => {
        const r = await c.predict(f.run, [rows.length, rows[0]?.length ?? 0], rows.flat(), f.minRevision);
        if (f.json === true) {
          process.stdout.write(`${JSON.stringify(r)}\n`);
          return;
        }
        const width = r.outputs?.shape[1] ?? 1;
        rows.forEach((_, i) => {
          const out = (r.outputs?.values ?? []).slice(i * width, (i + 1) * width).map((x) => x.toFixed(3));
          process.stdout.write(`row ${i}: ${r.predictedClasses.length > 0 ? `class ${r.predictedClasses[i]}` : `value ${out[0]}`} (${out.join(' ')})\n`);
        });
        process.stdout.write(`revision ${r.revision}; serving ${r.serving.map((s) => `shard ${s.shard}: depth ${s.depth}`).join(', ')}\n`);
      });
    });
}

/** `lethe deletions`: a run's deletions, newest first as the API lists them. */
export function deletionsCommand(): Command {
  return new Command('deletions')
    .description("a run's deletions with their state (acknowledged, retrained, purged)")
    .requiredOption('--run <run>', 'runs/<id>')
    .option('--json', 'print as JSON')
    .option(...COORDINATOR_OPTION)
    .action(async (f: { run: string; json?: boolean; coordinator: string }) =>
      withClient(f.coordinator, async (c) => {
        const all = [];
        let token = '';
        do {
          const page = await c.listDeletions(f.run, 100, token);
          all.push(...page.deletions);
          token = page.nextPageToken;
        } while (token !== '');
        if (f.json === true) {
          process.stdout.write(`${JSON.stringify(all)}\n`);
          return;
        }
        const t = new Table({ head: ['deletion', 'samples', 'state', 'acknowledged'], style: PLAIN });
        for (const d of all) t.push([d.receipt?.name ?? '', d.receipt?.sampleCount ?? 0, d.state.replace('DELETION_STATE_', ''), d.receipt?.acknowledgeTime === null || d.receipt?.acknowledgeTime === undefined ? '' : new Date(Number(d.receipt.acknowledgeTime.seconds) * 1000).toISOString()]);
        process.stdout.write(`${t.toString()}\n${all.length} deletion(s)\n`);
      }),
    );
}

/**
 * `lethe workers`' text: a row per worker, then (when any runs) its tasks, the longest silent first: what each
 * trains, its progress, and how long since its latest news, so a hung training is found by name.
 */
export function formatWorkers(workers: readonly WorkerInfo__Output[]): string {
  const t = new Table({ head: ['worker', 'state', 'backend', 'gpu', 'slots', 'running'], style: PLAIN });
  for (const w of workers) t.push([w.name, w.state.replace('WORKER_STATE_', ''), w.backend, w.gpu, w.slots, w.runningTasks]);
  const tasks = workers.flatMap((w) => w.tasks.map((task) => ({ worker: w.name, task })));
  if (tasks.length === 0) return `${t.toString()}\n`;
  const tt = new Table({ head: ['worker', 'run', 'trains', 'progress', 'silent s'], style: PLAIN });
  for (const { worker, task } of tasks) {
    const trains = task.run === '' ? 'not a Lethe task' : task.pretrain ? 'backbone' : `shard ${task.shard} stage ${task.stage}`;
    const progress = task.progressTime === null ? 'waiting for a thread' : task.held ? 'held at attach' : `${Math.round(task.fraction * 100)} %`;
    tt.push([worker, task.run, trains, progress, Math.round(task.silentSeconds)]);
  }
  const more = workers.reduce((n, w) => n + w.runningTasks - w.tasks.length, 0);
  return `${t.toString()}\n${tt.toString()}\n${more > 0 ? `(and ${more} more task(s), less silent)\n` : ''}`;
}

/** `lethe workers`: attached and registered workers. */
export function workersCommand(): Command {
  return new Command('workers')
    .description('workers with their state, backend, slots, and the tasks they run (the longest silent first)')
    .option('--json', 'print as JSON')
    .option(...COORDINATOR_OPTION)
    .action(async (f: { json?: boolean; coordinator: string }) =>
      withClient(f.coordinator, async (c) => {
        const { workers } = await c.listWorkers();
        if (f.json === true) {
          process.stdout.write(`${JSON.stringify(workers)}\n`);
          return;
        }
        process.stdout.write(formatWorkers(workers));
      }),
    );
}
