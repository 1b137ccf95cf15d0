import { Command, InvalidArgumentError, Option } from 'commander';
import Table from 'cli-table3';
import type { PlanReport } from '../planner/plan-report.js';
import { SELECTION_METHODS, type SelectionMethod } from '../planner/selection-methods.js';
import { MAX_BUDGET } from '../../../shared/src/domain/run-spec.js';
import { MAX_SHARDS, MAX_SLICES } from '../../../shared/src/domain/placement.js';
import { PLAIN } from './cli-common.js';

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}]`);
    }
    return n;
  };
}

/**
 * The capacity simulation costs about trials × shards × slices steps (~0.5 M a second here): plans are bounded
 * like the API bounds runs, and the default trial count shrinks for large plans so `lethe plan` answers in seconds.
 */
export const MAX_SIMULATION_STEPS = 2_000_000;
const DEFAULT_TRIALS = 2000;

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

function probabilityList(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const ps = parts.map(Number);
  if (parts.some((p) => p === '') || ps.some((p) => !Number.isFinite(p))) {
    throw new InvalidArgumentError('must be comma-separated numbers, e.g. 0.4,0.3,0.2,0.1');
  }
  return ps;
}

/** No ANSI colours: the output is read by people and by scripts alike. */

const fmt = (x: number, digits = 1): string => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function renderPlan(r: PlanReport): string {
  const lines: string[] = [];
  lines.push(`S3T plan: m=${r.shards} shards, L=${r.slices} slices, B=${r.budget} orderings per shard (${r.selection})`);
  lines.push('');
  lines.push(`Orderings (every shard; average pairwise Hamming distance ${fmt(r.averageHammingDistance, 2)}):`);
  r.orderings.forEach((o, i) => lines.push(`  π${i}: ${o.join(' → ')}`));
  lines.push('');
  const cap = new Table({ head: ['deletion capacity δ', 'closed form', 'simulated mean', 'sd', 'trials'], style: PLAIN });
  for (const [name, c] of [
    [`S3T (B=${r.budget})`, r.capacity.s3t],
    ['SISA (B=1)', r.capacity.sisa],
  ] as const) {
    cap.push([name, fmt(c.closedForm), fmt(c.simulated), fmt(c.simulatedSd), String(c.trials)]);
  }
  lines.push('Requests until every shard is dead (uniform single-sample deletions):');
  lines.push(cap.toString());
  lines.push(`S3T/SISA capacity gain: ${fmt(r.capacity.gain, 2)}×`);
  lines.push('');
  const t = r.trainingCost;
  const cost = new Table({ head: [`training cost (${t.samples} samples, ${t.epochs} epoch(s)/stage)`, 'sample-passes', '× full'], style: PLAIN });
  cost.push(['S3T, shared prefixes trained once', t.samplePasses.toLocaleString('en-US'), fmt(t.samplePasses / t.fullSamplePasses, 2)]);
  cost.push(['S3T, every ordering separately', t.samplePassesWithoutSharing.toLocaleString('en-US'), fmt(t.samplePassesWithoutSharing / t.fullSamplePasses, 2)]);
  cost.push(['SISA (B=1)', t.sisaSamplePasses.toLocaleString('en-US'), fmt(t.sisaSamplePasses / t.fullSamplePasses, 2)]);
  cost.push(['one model, full data', t.fullSamplePasses.toLocaleString('en-US'), '1.00']);
  lines.push(cost.toString());
  return lines.join('\n');
}

interface PlanFlags {
  shards: number;
  slices: number;
  budget: number;
  selection: SelectionMethod;
  prior?: number[];
  horizon?: number;
  samples: number;
  epochs: number;
  trials?: number;
  seed: number;
  json?: boolean;
}

export function planCommand(): Command {
  return new Command('plan')
    .description('plan an S3T run: orderings, deletion capacity against SISA, training cost')
    .requiredOption('-m, --shards <m>', `number of shards (1..${MAX_SHARDS})`, integer('--shards', 1, MAX_SHARDS))
    .requiredOption('-L, --slices <L>', `slices per shard (1..${MAX_SLICES})`, integer('--slices', 1, MAX_SLICES))
    .requiredOption('-B, --budget <B>', `orderings per shard, 1 ≤ B ≤ min(L!, ${MAX_BUDGET})`, integer('--budget', 1, MAX_BUDGET))
    .addOption(new Option('--selection <method>', 'sequence selection').choices(SELECTION_METHODS).default('cyclic'))
    .option('--prior <p0,p1,...>', 'BMS: per-slice deletion probabilities, summing to 1', probabilityList)
    .option('--horizon <t>', 'BMS: expected deletions per shard over the planning horizon', positiveNumber)
    .option('--samples <N>', 'user samples to cost the plan for', integer('--samples', 1, 1_000_000_000), 10_000)
    .option('--epochs <E>', 'epochs per stage', integer('--epochs', 1, 1000), 1)
    .option('--trials <n>', `Monte-Carlo trials of the capacity simulation (default ${DEFAULT_TRIALS}, fewer for large plans)`, integer('--trials', 1, 1_000_000))
    .option('--seed <n>', 'seed of the simulation', integer('--seed', 0, 2 ** 31 - 1), 1)
    .option('--json', 'print one JSON object')
    .action(async (flags: PlanFlags, command: Command) => {
      const perTrial = flags.shards * flags.slices;
      const trials = flags.trials ?? Math.max(1, Math.min(DEFAULT_TRIALS, Math.floor(MAX_SIMULATION_STEPS / perTrial)));
      if (trials * perTrial > MAX_SIMULATION_STEPS) {
        command.error(`error: option '--trials <n>' of ${trials} would simulate ${trials * perTrial} steps; at most ${MAX_SIMULATION_STEPS} (use --trials ${Math.max(1, Math.floor(MAX_SIMULATION_STEPS / perTrial))} or fewer)`, { exitCode: 2 });
      }
      // Loaded here: the planner (its assignment solver) is only needed by this verb.
      const { makePlanReport } = await import('../planner/plan-report.js');
      const report = makePlanReport({
        shards: flags.shards,
        slices: flags.slices,
        budget: flags.budget,
        selection: flags.selection,
        samples: flags.samples,
        epochs: flags.epochs,
        trials,
        seed: flags.seed,
        ...(flags.prior === undefined ? {} : { prior: flags.prior }),
        ...(flags.horizon === undefined ? {} : { horizon: flags.horizon }),
      });
      process.stdout.write(flags.json === true ? `${JSON.stringify(report)}\n` : `${renderPlan(report)}\n`);
    });
}
