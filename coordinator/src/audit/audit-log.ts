import { randomBytes } from 'node:crypto';
import { SerialPass } from '../util/serial-pass.js';
import { AuditHeadSchema, AuditRecordSchema, chainRecord, GENESIS, type AuditEvent, type AuditHead, type AuditRecord } from '../../../shared/src/domain/audit-chain.js';
import type { Logger } from '../../../shared/src/log/logger.js';
import type { RoStateStore } from '../../../shared/src/ports/state-store.js';
import type { FencedWriter, Put } from '../state/fenced-writer.js';
import type { Keys } from '../state/keys.js';
import type { StateMirror } from '../state/state-mirror.js';
import type { ReceiptSigner } from '../security/receipt-signer.js';

/**
 * The put that records an audit event, to add to the transaction of the action itself: the event exists exactly
 * when the action does. The leader's AuditChainer then chains it into the log in commit order.
 */
export function auditPut(keys: Keys, action: string, subject: string, details: Record<string, unknown> = {}): Put {
  const event: AuditEvent = { action, subject, at: new Date().toISOString(), details };
  return { key: `${keys.auditPending()}${Date.now().toString().padStart(13, '0')}-${randomBytes(4).toString('hex')}`, value: JSON.stringify(event) };
}

/** Records chained per transaction: 3 operations each, inside stock etcd's 128. */
const BATCH = 30;

/**
 * The leader's chainer: takes the pending audit events in commit order (their etcd create revision), appends each
 * as the next record of the hash chain, moves the signed head, and removes the pending events, in one fenced
 * transaction per batch. A crash between batches loses nothing: pending events stay until they are chained.
 */
export class AuditChainer {
  private readonly passes = new SerialPass(
    () => this.pass(),
    (err) => this.o.logger.warn({ err }, 'audit chaining failed; the next pass retries'),
  );
  /** Only its own keys wake it: a pass per change of any key would list the pending events on every deletion. */
  private readonly onChange = (key: string): void => {
    if (key.startsWith(this.o.keys.auditPending())) this.passes.wake();
  };

  constructor(private readonly o: { mirror: StateMirror; keys: Keys; writer: FencedWriter; signer: ReceiptSigner; logger: Logger }) {
    o.mirror.trackPrefix(o.keys.auditPending());
  }

  start(): void {
    if (this.passes.active) return;
    this.o.mirror.on('change', this.onChange);
    // The tick retries a pass that failed (etcd unreachable) even when no new event arrives.
    this.passes.start(2000);
  }

  stop(): Promise<void> {
    this.o.mirror.off('change', this.onChange);
    return this.passes.stop();
  }

  private async pass(): Promise<void> {
    const { mirror, keys } = this.o;
    const events = mirror
      .keys(keys.auditPending())
      .map((key) => mirror.get(key))
      .filter((kv) => kv !== undefined)
      .sort((a, b) => a.createRevision - b.createRevision || a.key.localeCompare(b.key));
    for (let i = 0; i < events.length; i += BATCH) {
      const headKv = mirror.get(keys.auditHead());
      const head = headKv === undefined ? { seq: 0, hash: GENESIS } : AuditHeadSchema.parse(JSON.parse(headKv.value));
      let seq = head.seq;
      let hash = head.hash;
      const puts: Put[] = [];
      const batch = events.slice(i, i + BATCH);
      for (const kv of batch) {
        const r = chainRecord(JSON.parse(kv.value) as AuditEvent, kv.createRevision, seq, hash);
        puts.push({ key: keys.auditRecord(r.seq), value: JSON.stringify(r) });
        seq = r.seq;
        hash = r.hash;
      }
      puts.push({ key: keys.auditHead(), value: JSON.stringify(this.o.signer.signAuditHead(seq, hash)) });
      const compare = [
        { key: keys.auditHead(), target: 'modRevision' as const, op: '==' as const, value: headKv?.modRevision ?? 0 },
        ...batch.map((kv) => ({ key: kv.key, target: 'modRevision' as const, op: '==' as const, value: kv.modRevision })),
      ];
      if ((await this.o.writer.write(compare, puts, batch.map((kv) => kv.key))) === null) return; // changed under us: the next wake retries
    }
  }
}

/** The whole log as stored (records in order and the head), for verification. */
export async function readAuditLog(store: RoStateStore, keys: Keys): Promise<{ records: AuditRecord[]; head: AuditHead | null }> {
  const { kvs } = await store.list(keys.auditRecords());
  const head = await store.get(keys.auditHead());
  return { records: kvs.map((kv) => AuditRecordSchema.parse(JSON.parse(kv.value))), head: head === null ? null : AuditHeadSchema.parse(JSON.parse(head.value)) };
}
