import { ErrorCode, LetheError } from '../errors/errors.js';
import type { Ordering } from './cyclic.js';
import { stagePrefixKey, type StageRef } from './impact.js';

/**
 * The one state machine of an S3T shard. Every decision about a stage — may it be assigned, does a result
 * commit, what does a deletion switch off, which ordering serves, what must be retrained — is a pure function
 * here, from (record, input) to (record, effects). The coordinator persists records with compare-and-swap and
 * carries out the effects (messages to workers, receipts, events); it decides nothing about stage states itself.
 *
 * A stage is keyed by its prefix in the trie of orderings ("2.0.1" = stage 3 of every ordering starting 2, 0, 1).
 * Its states (as the API names them):
 * - ACTIVE: committed, and every slice it trained on is still at the generation it trained on;
 * - DEACTIVATED: committed, but a deletion has since bumped the generation of a slice it saw;
 * - TRAINING: assigned to a worker (an assignment records the generations it will train on);
 * - FAILED: its training failed MAX_STAGE_ATTEMPTS times; it stays so until a deletion changes its slices;
 * - READY: its parent is ACTIVE (stage 1: the backbone is trained) and it is none of the above;
 * - PENDING: waiting for its parent.
 * Generations only grow, so a stage that lost a slice can never become ACTIVE again: only a new result trained
 * on the new generations can (exactness: no served stage ever saw a deleted sample).
 */

/** A committed stage: its artifact and the generations of the slices it trained on. */
export interface CommittedStage {
  readonly prefix: readonly number[];
  readonly digest: string;
  readonly manifestHash: string;
  readonly generations: readonly number[];
  readonly worker: string;
  readonly committedAt: string;
  readonly samplePasses: number;
}

/** A stage handed to a worker: its result commits only if this is still the assignment and these generations hold. */
export interface StageAssignment {
  readonly prefix: readonly number[];
  readonly taskId: string;
  readonly worker: string;
  /** Store revision of the assignment's write; a result carries it back. */
  readonly epoch: number;
  readonly generations: readonly number[];
  readonly startedAt: string;
  /** 1 for the first try of this stage since its last success or data change. */
  readonly attempt: number;
}

/** Failed tries of a stage since its last success (or since a deletion changed its slices). */
export interface StageFailure {
  readonly attempts: number;
  readonly lastError: string;
  /** Not assigned again before this time (ms since the epoch): failures back off exponentially. */
  readonly retryAtMs: number;
  /** True after MAX_STAGE_ATTEMPTS failures: the stage is FAILED and is not retried. */
  readonly final: boolean;
}

/** What the store holds for one shard. */
export interface ShardRecord {
  /** Current generation of each slice; a deletion bumps the generation of every slice it touches. */
  readonly generations: readonly number[];
  readonly committed: Readonly<Record<string, CommittedStage>>;
  readonly training: Readonly<Record<string, StageAssignment>>;
  readonly failures: Readonly<Record<string, StageFailure>>;
  /** Sample-passes of every committed stage result, and of results discarded (stale or failed). */
  readonly samplePasses: number;
  readonly discardedSamplePasses: number;
}

export type StageStateName = 'PENDING' | 'READY' | 'TRAINING' | 'ACTIVE' | 'DEACTIVATED' | 'FAILED';

/** Why an assignment is taken back. */
export type DropReason = 'stale' | 'worker-lost' | 'not-running' | 'handed-back' | 'timeout' | 'cancelled';

export type ShardEffect =
  | { readonly type: 'assigned'; readonly key: string; readonly assignment: StageAssignment }
  | { readonly type: 'cancel'; readonly key: string; readonly taskId: string; readonly worker: string; readonly reason: DropReason }
  | { readonly type: 'committed'; readonly key: string; readonly stage: CommittedStage }
  | { readonly type: 'discarded'; readonly key: string; readonly taskId: string; readonly reason: 'replaced' | 'stale' }
  | { readonly type: 'failed'; readonly key: string; readonly failure: StageFailure }
  | { readonly type: 'deactivated'; readonly ordering: number; readonly stage: number }
  | { readonly type: 'purge'; readonly key: string; readonly digests: readonly string[] };

export interface Transition {
  readonly record: ShardRecord;
  readonly effects: readonly ShardEffect[];
}

/** What serves a shard: the ordering with the longest active prefix, ties to the lowest; not live at depth 0. */
export interface ShardServing {
  readonly shard: number;
  readonly live: boolean;
  readonly ordering: number;
  readonly depth: number;
}

/** Tries of one stage before it is FAILED. */
export const MAX_STAGE_ATTEMPTS = 5;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 60_000;

/** Delay before the next try after `attempts` failures: 0.5 s, 1 s, 2 s, ... capped at a minute. */
export function retryDelayMs(attempts: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
}

export function emptyShardRecord(slices: number): ShardRecord {
  return { generations: new Array<number>(slices).fill(0), committed: {}, training: {}, failures: {}, samplePasses: 0, discardedSamplePasses: 0 };
}

const keyOf = (prefix: readonly number[]): string => stagePrefixKey(prefix, prefix.length);
const generationsOf = (rec: ShardRecord, prefix: readonly number[]): number[] => prefix.map((s) => rec.generations[s] ?? 0);
const sameGenerations = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((g, i) => g === b[i]);
const without = <T>(o: Readonly<Record<string, T>>, key: string): Record<string, T> => {
  const { [key]: _gone, ...rest } = o;
  return rest;
};

/** A committed stage is active iff the generations it trained on are the slices' current ones. */
export function isActive(rec: ShardRecord, key: string): boolean {
  const c = rec.committed[key];
  return c !== undefined && sameGenerations(c.generations, generationsOf(rec, c.prefix));
}

/** d(π): the longest prefix of active stages of an ordering. */
export function activeDepth(rec: ShardRecord, order: Ordering): number {
  let d = 0;
  while (d < order.length && isActive(rec, stagePrefixKey(order, d + 1))) d++;
  return d;
}

/** Distinct first slices of the orderings whose first stage is active: the shard's coupons in `capacityLeft`. */
export function liveFirstSlices(rec: ShardRecord, orderings: readonly Ordering[]): number {
  return new Set(orderings.filter((o) => isActive(rec, stagePrefixKey(o, 1))).map((o) => o[0] as number)).size;
}

/** The serving choice of a shard: longest active prefix, lowest ordering on ties. */
export function serving(rec: ShardRecord, shard: number, orderings: readonly Ordering[]): ShardServing {
  let best = { ordering: 0, depth: 0 };
  orderings.forEach((order, ordering) => {
    const depth = activeDepth(rec, order);
    if (depth > best.depth) best = { ordering, depth };
  });
  return { shard, live: best.depth > 0, ...best };
}

/** Slices a committed stage trained on at an older generation: the spec's tainted set. */
export function taintedSlices(rec: ShardRecord): number[] {
  const out = new Set<number>();
  for (const c of Object.values(rec.committed)) c.prefix.forEach((slice, i) => (rec.generations[slice] !== c.generations[i] ? out.add(slice) : undefined));
  return [...out].sort((a, b) => a - b);
}

/** The state of stage `stage` (1-based) of `order`; `backboneReady` gates stage 1. */
export function stageState(rec: ShardRecord, order: Ordering, stage: number, backboneReady: boolean): StageStateName {
  const key = stagePrefixKey(order, stage);
  if (isActive(rec, key)) return 'ACTIVE';
  if (rec.training[key] !== undefined) return 'TRAINING';
  if (rec.failures[key]?.final === true) return 'FAILED';
  if (rec.committed[key] !== undefined) return 'DEACTIVATED';
  const parentReady = stage === 1 ? backboneReady : isActive(rec, stagePrefixKey(order, stage - 1));
  return parentReady ? 'READY' : 'PENDING';
}

/** Every distinct prefix of the orderings (the trie's nodes) from stage `fromStage` on, shallow first, each once. */
export function triePrefixes(orderings: readonly Ordering[], fromStage = 1): number[][] {
  const seen = new Set<string>();
  const out: number[][] = [];
  const L = orderings[0]?.length ?? 0;
  for (let stage = fromStage; stage <= L; stage++) {
    for (const o of orderings) {
      const key = stagePrefixKey(o, stage);
      if (!seen.has(key)) {
        seen.add(key);
        out.push(o.slice(0, stage));
      }
    }
  }
  return out;
}

/** True when every stage of every ordering is active: nothing is left to (re)train. */
export function fullyTrained(rec: ShardRecord, orderings: readonly Ordering[]): boolean {
  return triePrefixes(orderings).every((p) => isActive(rec, keyOf(p)));
}

/**
 * The stages to (re)train now, in the order to assign them: inactive, not assigned, not FAILED, not backing
 * off, and with an active parent (stage 1 needs only the backbone, which the caller checks). Shallow stages first:
 * each one unblocks its children and restores serving depth soonest.
 */
export function retrainPlan(rec: ShardRecord, orderings: readonly Ordering[], nowMs: number): number[][] {
  return triePrefixes(orderings).filter((prefix) => {
    const key = keyOf(prefix);
    if (isActive(rec, key) || rec.training[key] !== undefined) return false;
    const failure = rec.failures[key];
    if (failure !== undefined && (failure.final || failure.retryAtMs > nowMs)) return false;
    return prefix.length === 1 || isActive(rec, keyOf(prefix.slice(0, -1)));
  });
}

/**
 * Splits a retrain plan: `restore`, the stages of the ordering that is deepest now (most active stages; one whose
 * next stage is already training ranks above an equal one, so a restore in progress keeps its ordering) — the fewest
 * stages between the shard and full depth — and every ordering's first stage (one slice each: the insurance that
 * keeps the shard live through the next deletion, which kills only the orderings that begin with its slice);
 * `reserve`, the rest, which only rebuild the other orderings' depth.
 */
export function restoreFirst(plan: readonly number[][], rec: ShardRecord, orderings: readonly Ordering[]): { restore: number[][]; reserve: number[][] } {
  let best: { order: Ordering | undefined; rank: number } = { order: undefined, rank: -1 };
  for (const order of orderings) {
    const depth = activeDepth(rec, order);
    const rank = depth + (depth < order.length && rec.training[stagePrefixKey(order, depth + 1)] !== undefined ? 0.5 : 0);
    if (rank > best.rank) best = { order, rank };
  }
  const { order } = best;
  const onDeepest = (p: readonly number[]): boolean => order !== undefined && stagePrefixKey(order, p.length) === keyOf(p);
  const restores = (p: readonly number[]): boolean => p.length === 1 || onDeepest(p);
  return { restore: plan.filter(restores), reserve: plan.filter((p) => !restores(p)) };
}

export interface AssignInput {
  readonly prefix: readonly number[];
  readonly taskId: string;
  readonly worker: string;
  readonly epoch: number;
  readonly now: string;
  readonly nowMs: number;
  readonly orderings: readonly Ordering[];
}

/** Hands a ready stage to a worker at the current generations. ILLEGAL_STATE unless the stage is in the plan. */
export function assign(rec: ShardRecord, input: AssignInput): Transition {
  const { prefix, ...rest } = input;
  return assignGroup(rec, { ...rest, prefixes: [prefix] });
}

export interface AssignGroupInput extends Omit<AssignInput, 'prefix'> {
  /** Stages trained together by one task, parents before children. */
  readonly prefixes: readonly (readonly number[])[];
}

/**
 * Hands several stages to one task (a worker that trains a subtree in one job): each must be inactive, not
 * assigned, not FAILED or backing off, and have its parent active or in the same group. Every stage records the
 * generations of now: a deletion before its result arrives makes that result stale.
 */
export function assignGroup(rec: ShardRecord, input: AssignGroupInput): Transition {
  const inGroup = new Set(input.prefixes.map(keyOf));
  const training: Record<string, StageAssignment> = { ...rec.training };
  const effects: ShardEffect[] = [];
  for (const prefix of input.prefixes) {
    const key = keyOf(prefix);
    const failure = rec.failures[key];
    const parent = prefix.length > 1 ? keyOf(prefix.slice(0, -1)) : null;
    const ready =
      prefix.length > 0 &&
      input.orderings.some((o) => stagePrefixKey(o, prefix.length) === key) &&
      !isActive(rec, key) &&
      training[key] === undefined &&
      (failure === undefined || (!failure.final && failure.retryAtMs <= input.nowMs)) &&
      (parent === null || isActive(rec, parent) || (inGroup.has(parent) && training[parent]?.taskId === input.taskId));
    if (!ready) throw new LetheError(ErrorCode.ILLEGAL_STATE, `stage ${key} is not ready to assign`);
    const assignment: StageAssignment = {
      prefix: [...prefix],
      taskId: input.taskId,
      worker: input.worker,
      epoch: input.epoch,
      generations: generationsOf(rec, prefix),
      startedAt: input.now,
      attempt: (failure?.attempts ?? 0) + 1,
    };
    training[key] = assignment;
    effects.push({ type: 'assigned', key, assignment });
  }
  return { record: { ...rec, training }, effects };
}

/** Every stage that is not active (missing or deactivated), shallow first: what a full retraining must produce. */
export function inactiveStages(rec: ShardRecord, orderings: readonly Ordering[]): number[][] {
  return triePrefixes(orderings).filter((p) => !isActive(rec, keyOf(p)));
}

/**
 * What a result would do, without doing it: 'commit' only if it answers the stage's current assignment and the
 * generations it trained on are current. Callers check this before storing an artifact they would throw away.
 */
export function resultOutcome(rec: ShardRecord, key: string, taskId: string, worker: string): 'commit' | 'stale' | 'replaced' {
  const a = rec.training[key];
  if (a === undefined || a.taskId !== taskId || a.worker !== worker) return 'replaced';
  return sameGenerations(a.generations, generationsOf(rec, a.prefix)) ? 'commit' : 'stale';
}

/** A failed try of assignment `a`: it counts, backs off, and is final at MAX_STAGE_ATTEMPTS. */
function failureOf(a: StageAssignment, error: string, nowMs: number): StageFailure {
  return { attempts: a.attempt, lastError: error.slice(0, 500), retryAtMs: nowMs + retryDelayMs(a.attempt), final: a.attempt >= MAX_STAGE_ATTEMPTS };
}

export interface StageResult {
  readonly key: string;
  readonly taskId: string;
  readonly worker: string;
  readonly ok: boolean;
  readonly digest: string;
  readonly manifestHash: string;
  readonly samplePasses: number;
  readonly error: string;
  readonly now: string;
  readonly nowMs: number;
}

/**
 * A worker's result. It commits only if it answers the stage's current assignment (same task, same worker) and the
 * generations it trained on are still current; otherwise it is discarded (a replaced assignment leaves the record
 * as it is; a stale one frees the stage for retraining). A failure counts an attempt and backs off.
 */
export function commit(rec: ShardRecord, r: StageResult): Transition {
  const outcome = resultOutcome(rec, r.key, r.taskId, r.worker);
  const a = rec.training[r.key];
  if (outcome === 'replaced' || a === undefined) {
    return { record: rec, effects: [{ type: 'discarded', key: r.key, taskId: r.taskId, reason: 'replaced' }] };
  }
  const training = without(rec.training, r.key);
  if (outcome === 'stale') {
    return {
      record: { ...rec, training, discardedSamplePasses: rec.discardedSamplePasses + r.samplePasses },
      effects: [{ type: 'discarded', key: r.key, taskId: r.taskId, reason: 'stale' }],
    };
  }
  if (!r.ok) {
    const failure = failureOf(a, r.error, r.nowMs);
    return {
      record: { ...rec, training, failures: { ...rec.failures, [r.key]: failure }, discardedSamplePasses: rec.discardedSamplePasses + r.samplePasses },
      effects: [{ type: 'failed', key: r.key, failure }],
    };
  }
  const stage: CommittedStage = {
    prefix: a.prefix,
    digest: r.digest,
    manifestHash: r.manifestHash,
    generations: a.generations,
    worker: r.worker,
    committedAt: r.now,
    samplePasses: r.samplePasses,
  };
  return {
    record: { ...rec, training, committed: { ...rec.committed, [r.key]: stage }, failures: without(rec.failures, r.key), samplePasses: rec.samplePasses + r.samplePasses },
    effects: [{ type: 'committed', key: r.key, stage }],
  };
}

export interface DeleteInput {
  /** Slices of this shard that lose samples (already-deleted samples excluded by the caller). */
  readonly slices: Iterable<number>;
  readonly orderings: readonly Ordering[];
}

export interface DeleteTransition extends Transition {
  readonly taintedBefore: readonly number[];
  readonly tainted: readonly number[];
  readonly newlyTainted: readonly number[];
  /** Stages active before and inactive after: what this deletion switched off. */
  readonly deactivated: readonly StageRef[];
  /** Every stage of an ordering past its surviving depth: what must be (re)trained. */
  readonly retrain: readonly StageRef[];
  readonly servingAfter: (shard: number) => ShardServing;
}

/**
 * A deletion: bumps the generation of every slice that loses samples. That alone deactivates every stage that saw
 * them and makes any in-flight result on them stale; those assignments are taken back at once (cancel effects), and
 * failure counts of stages whose data changed are reset (their data is not what failed).
 */
export function deleteSlices(rec: ShardRecord, input: DeleteInput): DeleteTransition {
  const touched = new Set(input.slices);
  for (const s of touched) {
    if (!Number.isInteger(s) || s < 0 || s >= rec.generations.length) throw new LetheError(ErrorCode.INVALID_ARGUMENT, `slice ${s} is outside 0..${rec.generations.length - 1}`);
  }
  const taintedBefore = taintedSlices(rec);
  const bumped: ShardRecord = { ...rec, generations: rec.generations.map((g, s) => (touched.has(s) ? g + 1 : g)) };
  const effects: ShardEffect[] = [];
  const training: Record<string, StageAssignment> = {};
  for (const [key, a] of Object.entries(bumped.training)) {
    if (a.prefix.some((s) => touched.has(s))) effects.push({ type: 'cancel', key, taskId: a.taskId, worker: a.worker, reason: 'stale' });
    else training[key] = a;
  }
  const failures = Object.fromEntries(Object.entries(bumped.failures).filter(([key]) => !key.split('.').some((s) => touched.has(Number(s)))));
  const after: ShardRecord = { ...bumped, training, failures };
  const deactivated: StageRef[] = [];
  const retrain: StageRef[] = [];
  input.orderings.forEach((order, ordering) => {
    const dAfter = activeDepth(after, order);
    for (let stage = 1; stage <= order.length; stage++) {
      const key = stagePrefixKey(order, stage);
      if (isActive(rec, key) && !isActive(after, key)) {
        deactivated.push({ ordering, stage });
        effects.push({ type: 'deactivated', ordering, stage });
      }
      if (stage > dAfter) retrain.push({ ordering, stage });
    }
  });
  const before = new Set(taintedBefore);
  return {
    record: after,
    effects,
    taintedBefore,
    tainted: [...new Set([...taintedBefore, ...touched])].sort((a, b) => a - b),
    newlyTainted: [...touched].filter((s) => !before.has(s)).sort((a, b) => a - b),
    deactivated,
    retrain,
    servingAfter: (shard) => serving(after, shard, input.orderings),
  };
}

/**
 * Deleted means forgotten: a deactivated stage can never serve again (generations only grow), yet its artifact and
 * its id list still hold what it learnt from deleted data. `purge` blanks their digests in the record and returns
 * them to delete (a 'purge' effect per stage); an id list still named by a kept stage is left alone. A purged
 * stage stays DEACTIVATED until a retrained one replaces it. The caller deletes the blobs, then stores the record.
 */
export function purge(rec: ShardRecord): Transition {
  const kept = new Set<string>();
  for (const [key, c] of Object.entries(rec.committed)) if (isActive(rec, key)) kept.add(c.digest).add(c.manifestHash);
  const committed: Record<string, CommittedStage> = { ...rec.committed };
  const effects: ShardEffect[] = [];
  for (const [key, c] of Object.entries(rec.committed)) {
    if (isActive(rec, key) || c.digest === '') continue;
    effects.push({ type: 'purge', key, digests: [c.digest, c.manifestHash].filter((d) => d !== '' && !kept.has(d)) });
    committed[key] = { ...c, digest: '', manifestHash: '' };
  }
  return effects.length === 0 ? { record: rec, effects } : { record: { ...rec, committed }, effects };
}

/** True once no deactivated stage of the shard still names an artifact: everything trained on deleted data is gone. */
export function purged(rec: ShardRecord): boolean {
  return Object.entries(rec.committed).every(([key, c]) => c.digest === '' || isActive(rec, key));
}

/** Takes an assignment back (its worker died, its data changed, it timed out, it was handed back). */
export function drop(rec: ShardRecord, key: string, reason: DropReason): Transition {
  const a = rec.training[key];
  if (a === undefined) return { record: rec, effects: [] };
  return { record: { ...rec, training: without(rec.training, key) }, effects: [{ type: 'cancel', key, taskId: a.taskId, worker: a.worker, reason }] };
}

export interface TimeOutInput {
  readonly key: string;
  readonly taskId: string;
  readonly worker: string;
  /** How long the task has gone without a progress report. */
  readonly silentMs: number;
  readonly nowMs: number;
}

/**
 * An assignment whose training went silent (its worker heartbeats, but reports no progress on it): taken back and
 * counted as a failed try. So it backs off like a failure and, tried MAX_STAGE_ATTEMPTS times, is FAILED rather
 * than handed out forever (a stage that hangs every time, or a timeout shorter than its epochs). Nothing changes
 * unless it is still this task's assignment on this worker.
 */
export function timeOut(rec: ShardRecord, input: TimeOutInput): Transition {
  const a = rec.training[input.key];
  if (a === undefined || a.taskId !== input.taskId || a.worker !== input.worker) return { record: rec, effects: [] };
  const failure = failureOf(a, `no progress for ${Math.round(input.silentMs / 1000)} s on worker ${input.worker}: taken back`, input.nowMs);
  return {
    record: { ...rec, training: without(rec.training, input.key), failures: { ...rec.failures, [input.key]: failure } },
    effects: [
      { type: 'cancel', key: input.key, taskId: a.taskId, worker: a.worker, reason: 'timeout' },
      { type: 'failed', key: input.key, failure },
    ],
  };
}

/**
 * An operator's retry (RetryRun), once the cause is fixed: every stage waiting on its failed tries, FAILED or backing
 * off before its next, starts over with none and no wait, as a deletion that changes its slices gives it. A stage
 * training now keeps its record (its try is under way and counts as it was assigned). Only failure records go:
 * generations, commits and assignments are untouched, so what a stage may train on, and whether a result commits,
 * is decided exactly as before.
 */
export function retryFailed(rec: ShardRecord): Transition {
  const waiting = (key: string): boolean => rec.training[key] === undefined;
  if (!Object.keys(rec.failures).some(waiting)) return { record: rec, effects: [] };
  return { record: { ...rec, failures: Object.fromEntries(Object.entries(rec.failures).filter(([key]) => !waiting(key))) }, effects: [] };
}

/**
 * The assignments the scheduler must take back now: those whose slices changed since they were made, and those of
 * workers that are gone (lease expired).
 */
export function reap(rec: ShardRecord, alive: (worker: string) => boolean): Transition {
  let record = rec;
  const effects: ShardEffect[] = [];
  for (const [key, a] of Object.entries(rec.training)) {
    const stale = !sameGenerations(a.generations, generationsOf(rec, a.prefix));
    if (!stale && alive(a.worker)) continue;
    const t = drop(record, key, stale ? 'stale' : 'worker-lost');
    record = t.record;
    effects.push(...t.effects);
  }
  return { record, effects };
}

/**
 * A worker (re)attached, saying which tasks it still runs: its assignments that it no longer runs (a result lost
 * with a previous coordinator or stream) are taken back so they are assigned again.
 */
export function release(rec: ShardRecord, worker: string, running: ReadonlySet<string>): Transition {
  let record = rec;
  const effects: ShardEffect[] = [];
  for (const [key, a] of Object.entries(rec.training)) {
    if (a.worker !== worker || running.has(a.taskId)) continue;
    const t = drop(record, key, 'not-running');
    record = t.record;
    effects.push(...t.effects);
  }
  return { record, effects };
}
