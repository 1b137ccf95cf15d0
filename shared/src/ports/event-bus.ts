/**
 * Events about committed state (`lethe.events.*`), published after the etcd commit. Consumers must be idempotent:
 * an event may be delivered twice, and a missed event never loses state (etcd holds it).
 */
export interface BusEvent {
  readonly subject: string;
  readonly data: unknown;
}

/** An event as the bus stored it (the NATS stream keeps them EVENT_RETENTION_MS). */
export interface StoredBusEvent extends BusEvent {
  /** When the bus stored it (ms since the epoch). */
  readonly timeMs: number;
}

/** How long stored events are kept (LETHE_EVENTS' max age). */
export const EVENT_RETENTION_MS = 7 * 24 * 3600 * 1000;
/** Most stored events one history read returns. */
export const MAX_HISTORY_EVENTS = 10_000;

export interface PublishOptions {
  /** Deduplication id: the same id published twice is stored once in the event stream (JetStream's Nats-Msg-Id). */
  readonly msgId?: string;
}

export interface EventBus {
  publish(subject: string, data: unknown, options?: PublishOptions): Promise<void>;
  /** Live events whose subject matches `pattern` (NATS wildcards `*` and `>`), until the signal aborts. */
  subscribe(pattern: string, options?: { readonly signal?: AbortSignal }): AsyncIterable<BusEvent>;
  /**
   * Stored events whose subject matches `pattern`, stored at or after `sinceMs`, oldest first: at most `limit`
   * (1..MAX_HISTORY_EVENTS), and none older than EVENT_RETENTION_MS. A message id published twice is stored once.
   */
  history(pattern: string, sinceMs: number, limit: number): Promise<StoredBusEvent[]>;
  close(): Promise<void>;
}

/** A history read's limit, checked: 1..MAX_HISTORY_EVENTS. */
export function historyLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY_EVENTS) throw new RangeError(`history limit must be 1..${MAX_HISTORY_EVENTS}, got ${limit}`);
  return limit;
}

/** NATS subject matching: `*` matches one token, `>` the rest. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}
