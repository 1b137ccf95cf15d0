import { parseDeletionName } from '../../../shared/src/domain/names.js';
import type { Logger } from '../../../shared/src/log/logger.js';
import { MAX_HISTORY_EVENTS, type EventBus } from '../../../shared/src/ports/event-bus.js';
import type { StateStore } from '../../../shared/src/ports/state-store.js';
import { unchangedSince, type FencedWriter } from '../state/fenced-writer.js';
import type { RunViews } from '../state/run-views.js';

/** An acknowledged deletion NATS recorded that etcd no longer holds, and whose request was not replayed. */
export interface LostDeletion {
  readonly deletion: string;
  readonly requestId: string;
  readonly acknowledgeTime: string;
}

/** Lost deletions a run's record lists one by one (the rest are counted). */
export const MAX_LOST_LISTED = 20;

/** What the run's check record holds: the watermark, and the latest findings for every replica to show. */
export interface LostDeletionRecord {
  readonly timeMs: number;
  readonly lostCount: number;
  /** The oldest MAX_LOST_LISTED. */
  readonly lost: readonly LostDeletion[];
}

/** The run's lost deletions as the leader's latest check recorded them (none before a check found any). */
export function recordedLostDeletions(views: RunViews, run: string): { count: number; listed: readonly LostDeletion[] } {
  const kv = views.mirror.get(views.keys.deletionEventsChecked(run));
  if (kv === undefined) return { count: 0, listed: [] };
  const r = JSON.parse(kv.value) as Partial<LostDeletionRecord>;
  return { count: r.lostCount ?? 0, listed: r.lost ?? [] };
}

/** How often the leader looks again. */
export const LOST_DELETION_CHECK_MS = 5 * 60_000;
/** History pages one run may read per pass (each up to MAX_HISTORY_EVENTS events); the next pass goes on. */
const MAX_PAGES_PER_RUN = 10;

export interface LostDeletionCheckDeps {
  readonly views: RunViews;
  readonly store: StateStore;
  readonly writer: FencedWriter;
  readonly events: EventBus;
  readonly logger: Logger;
  /** @default LOST_DELETION_CHECK_MS */
  readonly intervalMs?: number;
}

/**
 * Finds deletions an etcd restore forgot. Every acknowledged deletion's event is committed with it (the outbox) and
 * kept by NATS for 7 days; restoring etcd from an older snapshot brings back the stages those deletions switched
 * off, while their events stay. So each deletion event must name a deletion etcd holds, or a request id replayed
 * since: any other is lost. Run by run, the leader reads the events from a watermark kept in etcd (the time up to
 * which every event was found held), so a restore also restores the watermark to before what it lost, and deletions
 * made after the restore do not hide the lost ones. It checks when elected and every few minutes, and records its
 * findings beside the watermark, so every replica reports them: `lethe_deletions_lost{run}` (and the
 * `LetheDeletionsLost` alert), `GetRun`'s `lost_deletions` (and `lethe status --run`); its log names each one.
 */
export class LostDeletionCheck {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: LostDeletionCheckDeps) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.pass(), this.deps.intervalMs ?? LOST_DELETION_CHECK_MS);
    this.timer.unref();
    void this.pass();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One check at a time; a failed one (NATS or etcd unreachable) leaves the recorded findings and retries next time. */
  private pass(): Promise<void> {
    this.running ??= this.check()
      .then(
        () => undefined,
        (err: unknown) => this.deps.logger.warn({ err }, 'lost-deletion check failed; the next one retries'),
      )
      .finally(() => (this.running = undefined));
    return this.running;
  }

  /** One pass over every run, recording what it finds (recordedLostDeletions); returns the runs with lost deletions. */
  async check(): Promise<ReadonlyMap<string, readonly LostDeletion[]>> {
    const found = new Map<string, LostDeletion[]>();
    for (const run of this.deps.views.runNames()) {
      const lost = await this.checkRun(run);
      if (lost.length > 0) found.set(run, lost);
    }
    return found;
  }

  private async checkRun(run: string): Promise<LostDeletion[]> {
    const { views, events, logger } = this.deps;
    const key = views.keys.deletionEventsChecked(run);
    const mark = views.mirror.get(key);
    const from = mark === undefined ? 0 : (JSON.parse(mark.value) as LostDeletionRecord).timeMs;
    let since = from;
    const lost = new Map<string, LostDeletion>();
    // The watermark moves up to the last event before the first lost one (events come oldest first).
    let heldUpTo = from;
    for (let page = 0; page < MAX_PAGES_PER_RUN; page++) {
      const stored = await events.history(`lethe.events.deletion.${run}`, since, MAX_HISTORY_EVENTS);
      for (const e of stored) {
        const d = e.data as { type?: unknown; deletion?: unknown; requestId?: unknown; acknowledgeTime?: unknown };
        if (d.type !== 'DeletionAcknowledged' || typeof d.deletion !== 'string' || lost.has(d.deletion)) continue;
        let id: string;
        try {
          id = parseDeletionName(d.deletion, 'deletion').deletion;
        } catch {
          continue; // not one of ours
        }
        const requestId = typeof d.requestId === 'string' ? d.requestId : '';
        if (await this.held(run, id, requestId)) {
          if (lost.size === 0) heldUpTo = e.timeMs;
          continue;
        }
        lost.set(d.deletion, { deletion: d.deletion, requestId, acknowledgeTime: typeof d.acknowledgeTime === 'string' ? d.acknowledgeTime : new Date(e.timeMs).toISOString() });
      }
      if (stored.length < MAX_HISTORY_EVENTS) break;
      // A full page: go on from its last event's time (inclusive: events of that millisecond are read again).
      since = (stored[stored.length - 1] as { timeMs: number }).timeMs;
    }
    const list = [...lost.values()];
    const next: LostDeletionRecord = { timeMs: heldUpTo, lostCount: list.length, lost: list.slice(0, MAX_LOST_LISTED) };
    // Written only when it changes (no record yet: once there is something to record).
    const changed = mark === undefined ? next.timeMs > 0 || next.lostCount > 0 : JSON.stringify(next) !== mark.value;
    if (changed) await this.mark(key, mark, next);
    if (list.length > 0) {
      logger.error(
        { run, lost: list.length, deletions: next.lost },
        'etcd lacks acknowledged deletions that NATS recorded (restored from an older snapshot?): the run serves stages they had switched off until they are replayed with the same request ids',
      );
    }
    return list;
  }

  /** The deletion is in etcd, or its request was replayed (a request id now recorded): read fresh, not from the mirror. */
  private async held(run: string, deletionId: string, requestId: string): Promise<boolean> {
    const { views, store } = this.deps;
    if (views.deletion(run, deletionId) !== undefined || (await store.get(views.keys.deletion(run, deletionId))) !== null) return true;
    return requestId !== '' && (await store.get(views.keys.request(run, requestId))) !== null;
  }

  /** Records the watermark and findings (fenced: the leader only; a concurrent change leaves it for the next pass). */
  private async mark(key: string, read: { readonly modRevision: number } | undefined, record: LostDeletionRecord): Promise<void> {
    await this.deps.writer.write([unchangedSince(key, read)], [{ key, value: JSON.stringify(record) }]);
  }
}
