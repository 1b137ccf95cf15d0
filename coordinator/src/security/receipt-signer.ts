import { readFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ErrorCode, LetheError } from '../../../shared/src/errors/errors.js';
import { keyIdOf, signReceipt, type ReceiptLike } from '../../../shared/src/domain/receipt-signature.js';
import type { Logger } from '../../../shared/src/log/logger.js';
import type { StateStore } from '../../../shared/src/ports/state-store.js';
import type { DeletionReceipt } from '../../../shared/src/gen/lethe/v1/DeletionReceipt.js';
import { signHead, type AuditHead } from '../../../shared/src/domain/audit-chain.js';

/** Signs deletion receipts with one Ed25519 key; every coordinator replica must hold the same key. */
export class ReceiptSigner {
  readonly keyId: string;
  readonly publicKeyPem: string;

  constructor(private readonly privateKey: KeyObject) {
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new LetheError(ErrorCode.FAILED_PRECONDITION, `the receipt key must be an Ed25519 private key, got ${privateKey.asymmetricKeyType ?? privateKey.type}`);
    this.keyId = keyIdOf(privateKey);
    this.publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  }

  /** The audit log's head (its last record), signed so that cutting records off the end is detected. */
  signAuditHead(seq: number, hash: string): AuditHead {
    return signHead(seq, hash, this.privateKey, this.keyId);
  }

  /** The receipt with its signature and key id. */
  sign(receipt: DeletionReceipt): DeletionReceipt {
    // receiptToProto writes every field, the revision as a decimal string: the shape the signature covers.
    return { ...receipt, ...signReceipt(receipt as ReceiptLike, this.privateKey) };
  }
}

/**
 * The signing key: from a PEM file (PKCS#8; a Kubernetes Secret in the chart) when one is configured; otherwise one
 * key shared by every replica through the state store, made by whichever coordinator starts first (a create-only
 * write, so two starting at once agree). The store-held key is for local clusters and tests: anyone who can read
 * the store can sign, so production deployments configure a file.
 */
export async function loadReceiptSigner(o: { keyFile?: string; store: StateStore; key: string; logger: Logger }): Promise<ReceiptSigner> {
  if (o.keyFile !== undefined && o.keyFile !== '') {
    let pem: string;
    try {
      pem = readFileSync(o.keyFile, 'utf8');
    } catch (e) {
      throw new LetheError(ErrorCode.FAILED_PRECONDITION, `cannot read the receipt key file ${o.keyFile}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const signer = new ReceiptSigner(createPrivateKey(pem));
    o.logger.info({ keyId: signer.keyId, source: 'file' }, 'receipt signing key loaded');
    return signer;
  }
  let stored = await o.store.get(o.key);
  if (stored === null) {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await o.store.txn({ compare: [{ key: o.key, target: 'createRevision', op: '==', value: 0 }], success: [{ type: 'put', key: o.key, value: pem }] });
    stored = await o.store.get(o.key);
  }
  if (stored === null) throw new LetheError(ErrorCode.UNAVAILABLE, 'the receipt signing key could not be stored');
  const signer = new ReceiptSigner(createPrivateKey(stored.value));
  o.logger.warn({ keyId: signer.keyId, source: 'state store' }, 'receipt signing key kept in the state store: configure coordinator.receiptKeyFile in production');
  return signer;
}
