/**
 * Events about committed state (`lethe.events.*`), published after the etcd commit. Consumers must be idempotent:
 * an event may be delivered twice, and a missed event never loses state (etcd holds it).
 */
export interface BusEvent {
  readonly subject: string;
  readonly data: unknown;
}

export interface PublishOptions {
  /** Deduplication id: the same id published twice is stored once in the event stream (JetStream's Nats-Msg-Id). */
  readonly msgId?: string;
}

export interface EventBus {
  publish(subject: string, data: unknown, options?: PublishOptions): Promise<void>;
  /** Live events whose subject matches `pattern` (NATS wildcards `*` and `>`), until the signal aborts. */
  subscribe(pattern: string, options?: { readonly signal?: AbortSignal }): AsyncIterable<BusEvent>;
  close(): Promise<void>;
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
