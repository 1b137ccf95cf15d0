/**
 * A durable work queue (JetStream in a cluster): at-least-once delivery to competing consumers, explicit ack,
 * `working()` to extend the ack window of long jobs, and a dead-letter path after `maxDeliver` deliveries.
 */
export interface JobMessage {
  readonly id: string;
  readonly data: unknown;
  /** 1 on first delivery. */
  readonly deliveryCount: number;
  /** Done: the job leaves the queue. */
  ack(): Promise<void>;
  /** Not now: redeliver after `delayMs` (at once by default). */
  nak(delayMs?: number): Promise<void>;
  /** Still running: restart the ack window. */
  working(): Promise<void>;
  /** Never: drop without redelivery. */
  term(): Promise<void>;
}

export interface DeadLetter {
  readonly id: string;
  readonly data: unknown;
  readonly deliveries: number;
}

export interface JobQueueOptions {
  /** Redelivery after this long without ack or working(). */
  readonly ackWaitMs: number;
  /** Deliveries before a job goes to the dead-letter list. */
  readonly maxDeliver: number;
}

export interface JobQueue {
  /** Enqueues a job; false when a job with this id was already enqueued (deduplicated). */
  enqueue(id: string, data: unknown): Promise<boolean>;
  /** The next job, or null when none arrives within `expiresMs` (on NATS at least 1 s: its shortest pull). */
  next(options: { readonly expiresMs: number; readonly signal?: AbortSignal }): Promise<JobMessage | null>;
  deadLetters(): Promise<readonly DeadLetter[]>;
  close(): Promise<void>;
}
