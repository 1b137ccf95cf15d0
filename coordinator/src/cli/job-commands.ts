import { Command, InvalidArgumentError } from 'commander';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import Table from 'cli-table3';
import type { LetheClient } from '../client/lethe-client.js';
import { cliClient, COORDINATOR_OPTION, PLAIN } from './cli-common.js';
import { createProgress } from './progress.js';
import type { UnlearningJob__Output } from '../../../shared/src/gen/lethe/v1/UnlearningJob.js';
import { METHOD_NAMES, jsonToStruct, methodEnum, methodNameOf, structToJson } from '../rpc/job-convert.js';
import { scenarioKey, withGaps, type ReportRow } from '../jobs/job-report.js';


/** `k=v` → a JSON value: numbers, booleans and JSON objects parse, anything else stays a string. */
function parseParam(kv: string, acc: Record<string, unknown>): Record<string, unknown> {
  const eq = kv.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`--param expects k=v, got ${JSON.stringify(kv)}`);
  const raw = kv.slice(eq + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // a plain string
  }
  return { ...acc, [kv.slice(0, eq)]: value };
}

const pct = (x: number | undefined): string => (x === undefined ? '' : x.toFixed(1));
const stateOf = (j: UnlearningJob__Output): string => j.state.replace(/^JOB_STATE_/, '');
const methodOf = (j: UnlearningJob__Output): string => methodNameOf(j.method);

function printJob(j: UnlearningJob__Output): void {
  const t = new Table({ style: PLAIN });
  const m = j.metrics;
  const o = j.originalMetrics;
  t.push(
    ['job', j.name],
    ['method', methodOf(j)],
    ['model', j.model],
    ['state', `${stateOf(j)}${j.failure === '' ? '' : `: ${j.failure}`}`],
    ['progress', `${(100 * j.progress).toFixed(0)} % ${j.phase}`],
    ['attempt', `${j.attempt}${j.preemptions > 0 ? ` (${j.preemptions} handed back)` : ''}${j.workerId === '' ? '' : ` on ${j.workerId}`}`],
    ['forget', `${j.forget?.classLabel !== undefined && j.forget.selector === 'classLabel' ? `class ${j.forget.classLabel}` : 'samples'} (${j.forgetCount})${j.forget?.unlabelled === true ? ', without labels' : ''}`],
    ['parameters', JSON.stringify(j.parameters === null ? {} : structToJson(j.parameters))],
  );
  if (m !== null) {
    t.push(['UA / RA / TA / MIA', `${pct(m.unlearningAccuracy)} / ${pct(m.retainAccuracy)} / ${pct(m.testAccuracy)} / ${pct(m.miaEfficacy)}`]);
    if (o !== null) t.push(['original', `${pct(o.unlearningAccuracy)} / ${pct(o.retainAccuracy)} / ${pct(o.testAccuracy)} / ${pct(o.miaEfficacy)}`]);
    // Regression jobs: errors in the dataset's (standardised) target units.
    if (m.forgetMae !== 0 || m.retainMae !== 0) {
      t.push(['MAE forget / retain / test', `${m.forgetMae.toFixed(3)} / ${m.retainMae.toFixed(3)} / ${m.testMae.toFixed(3)}`]);
      if (o !== null) t.push(['original MAE', `${o.forgetMae.toFixed(3)} / ${o.retainMae.toFixed(3)} / ${o.testMae.toFixed(3)}`]);
    }
    t.push(['RTE', `${m.seconds.toFixed(2)} s, ${m.samplePasses} sample-passes`], ['result', j.resultArtifact]);
  }
  process.stdout.write(`${t.toString()}\n`);
}

function submitCommand(): Command {
  return new Command('submit')
    .description('submit an approximate unlearning job (idempotent by --request-id)')
    .requiredOption('--method <name>', `one of: ${METHOD_NAMES.join(', ')}`)
    .requiredOption('--model <model>', 'runs/<run> (its original model) or a model artifact digest')
    .option('--forget-class <label>', 'forget a whole class', (v) => Number(v))
    .option('--forget-ids <ids>', 'comma-separated sample ids to forget')
    .option('--forget-file <file>', 'a file of sample ids to forget, one per line')
    .option('--unlabelled', 'the forget set comes without labels (label-free methods only, e.g. laf)')
    .option('--param <k=v>', 'a method parameter (repeatable)', parseParam, {})
    .option('--request-id <id>', 'idempotency key (a UUID by default)')
    .option('--wait', 'wait for the job, with a progress bar, and print its result')
    .option('--json', 'print the job as JSON')
    .option(...COORDINATOR_OPTION)
    .action(async (flags: { method: string; model: string; forgetClass?: number; forgetIds?: string; forgetFile?: string; unlabelled?: boolean; param: Record<string, unknown>; requestId?: string; wait?: boolean; json?: boolean; coordinator: string }) => {
      const selectors = [flags.forgetClass, flags.forgetIds, flags.forgetFile].filter((x) => x !== undefined).length;
      if (selectors !== 1) throw new InvalidArgumentError('give exactly one of --forget-class, --forget-ids, --forget-file');
      const ids = flags.forgetIds !== undefined ? flags.forgetIds.split(',') : flags.forgetFile !== undefined ? readFileSync(flags.forgetFile, 'utf8').split(/\r?\n/) : [];
      const forget = { ...(flags.forgetClass !== undefined ? { classLabel: flags.forgetClass } : { sampleIds: { ids: ids.map((s) => s.trim()).filter((s) => s !== '') } }), unlabelled: flags.unlabelled === true };
      const c = cliClient(flags.coordinator);
      try {
        const op = await c.submitJob({ requestId: flags.requestId ?? randomUUID(), method: methodEnum(flags.method) as 'UNLEARNING_METHOD_SSD', model: flags.model, forget, parameters: jsonToStruct(flags.param) });
        const name = op.name.replace(/^operations\//, '');
        if (flags.wait !== true) {
          const j = await c.getJob(name);
          if (flags.json === true) process.stdout.write(`${JSON.stringify(j)}\n`);
          else process.stdout.write(`${name} submitted (${stateOf(j)})\n`);
          return;
        }
        const progress = flags.json === true ? undefined : createProgress({ format: `${name} {bar} {percentage}% {phase} {state}`, line: `${name} {percentage}% {phase} {state}` });
        const bar = progress?.bar(100, { phase: '', state: 'PENDING' });
        let j = await c.getJob(name);
        while (!['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(stateOf(j))) {
          await sleep(500);
          j = await c.getJob(name);
          bar?.update(Math.round(100 * j.progress), { phase: j.phase, state: stateOf(j) });
        }
        progress?.stop();
        if (flags.json === true) process.stdout.write(`${JSON.stringify(j)}\n`);
        else printJob(j);
        if (stateOf(j) !== 'SUCCEEDED') process.exitCode = 1;
      } finally {
        c.close();
      }
    });
}

async function allJobs(c: LetheClient): Promise<UnlearningJob__Output[]> {
  const out: UnlearningJob__Output[] = [];
  let token = '';
  do {
    const page = await c.listJobs(1000, token);
    out.push(...page.jobs);
    token = page.nextPageToken;
  } while (token !== '');
  return out;
}

export function jobCommand(): Command {
  const job = new Command('job').description('approximate unlearning jobs: submit, inspect, cancel, report');
  job.addCommand(submitCommand());
  job.addCommand(
    new Command('get')
      .description('show one job')
      .argument('<name>', 'jobs/<id>')
      .option('--json', 'print as JSON')
      .option(...COORDINATOR_OPTION)
      .action(async (name: string, flags: { json?: boolean; coordinator: string }) => {
        const c = cliClient(flags.coordinator);
        try {
          const j = await c.getJob(name);
          if (flags.json === true) process.stdout.write(`${JSON.stringify(j)}\n`);
          else printJob(j);
        } finally {
          c.close();
        }
      }),
  );
  job.addCommand(
    new Command('list')
      .description('list jobs, oldest first')
      .option('--state <state>', 'only jobs in this state (PENDING, RUNNING, SUCCEEDED, ...)')
      .option('--json', 'print as JSON')
      .option(...COORDINATOR_OPTION)
      .action(async (flags: { state?: string; json?: boolean; coordinator: string }) => {
        const c = cliClient(flags.coordinator);
        try {
          const jobs = (await allJobs(c)).filter((j) => flags.state === undefined || stateOf(j) === flags.state.toUpperCase());
          if (flags.json === true) {
            process.stdout.write(`${JSON.stringify(jobs)}\n`);
            return;
          }
          const t = new Table({ head: ['job', 'method', 'model', 'state', 'progress', 'attempt', 'UA', 'RA', 'TA', 'MIA', 'RTE s'], style: PLAIN });
          for (const j of jobs) t.push([j.name, methodOf(j), j.model.slice(0, 24), stateOf(j), `${(100 * j.progress).toFixed(0)} %`, j.attempt, pct(j.metrics?.unlearningAccuracy), pct(j.metrics?.retainAccuracy), pct(j.metrics?.testAccuracy), pct(j.metrics?.miaEfficacy), j.metrics === null ? '' : j.metrics.seconds.toFixed(2)]);
          process.stdout.write(`${t.toString()}\n`);
        } finally {
          c.close();
        }
      }),
  );
  job.addCommand(
    new Command('cancel')
      .description('cancel a job (a running one stops within about a second)')
      .argument('<name>', 'jobs/<id>')
      .option(...COORDINATOR_OPTION)
      .action(async (name: string, flags: { coordinator: string }) => {
        const c = cliClient(flags.coordinator);
        try {
          const j = await c.cancelJob(name);
          process.stdout.write(`${j.name}: ${stateOf(j)}\n`);
        } finally {
          c.close();
        }
      }),
  );
  job.addCommand(
    new Command('report')
      .description('finished jobs by scenario (model and forget set) with the gap to that scenario\'s Retrain job')
      .option('--json', 'print as JSON')
      .option(...COORDINATOR_OPTION)
      .action(async (flags: { json?: boolean; coordinator: string }) => {
        const c = cliClient(flags.coordinator);
        try {
          const rows: ReportRow[] = (await allJobs(c))
            .filter((j) => stateOf(j) === 'SUCCEEDED' && j.metrics !== null)
            .map((j) => {
              const m = j.metrics as NonNullable<UnlearningJob__Output['metrics']>;
              const forget = j.forget?.selector === 'classLabel' ? { classLabel: j.forget.classLabel ?? 0 } : { list: j.forgetList };
              return { job: j.name, method: methodOf(j), model: j.model, scenario: scenarioKey(j.model, forget, Number(j.forgetCount)), ua: m.unlearningAccuracy, ra: m.retainAccuracy, ta: m.testAccuracy, mia: m.miaEfficacy, seconds: m.seconds, samplePasses: Number(m.samplePasses) };
            });
          const lines = withGaps(rows);
          if (flags.json === true) {
            process.stdout.write(`${JSON.stringify(lines)}\n`);
            return;
          }
          const t = new Table({ head: ['scenario', 'method', 'UA', 'RA', 'TA', 'MIA', 'RTE s', 'passes', 'avg. gap', 'RTE / Retrain'], style: PLAIN });
          for (const l of [...lines].sort((a, b) => a.scenario.localeCompare(b.scenario))) {
            t.push([l.scenario, l.method, pct(l.ua), pct(l.ra), pct(l.ta), pct(l.mia), l.seconds.toFixed(2), l.samplePasses, l.avgGap === null ? '' : l.avgGap.toFixed(2), l.rteRatio === null ? '' : l.rteRatio.toFixed(3)]);
          }
          process.stdout.write(`${t.toString()}\n`);
        } finally {
          c.close();
        }
      }),
  );
  job.addCommand(
    new Command('methods').description('list the methods, their papers and default parameters').action(async () => {
      // Loaded here only: the methods bring TF.js (~0.5 s), which no other client verb needs.
      const { METHODS } = await import('../../../shared/src/ml/unlearning/registry.js');
      const t = new Table({ head: ['method', 'what', 'paper', 'models', 'defaults'], style: PLAIN, colWidths: [17, 30, 36, 18, 46], wordWrap: true });
      for (const m of METHODS) {
        const models = `${(m.tasks ?? ['classification', 'regression']).join(', ')}${m.forgets === 'class' ? '; whole classes' : ''}${m.needsLabels ? '' : '; no labels needed'}`;
        t.push([m.name, m.title, m.paper, models, JSON.stringify(m.schema.parse({}))]);
      }
      process.stdout.write(`${t.toString()}\n`);
    }),
  );
  return job;
}
