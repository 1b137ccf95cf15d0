import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryStateBackend } from '../../../shared/src/testing/in-memory-state-store.js';
import { createLogger } from '../../../shared/src/log/logger.js';
import { verifyReceipt } from '../../../shared/src/domain/receipt-signature.js';
import { parseRunSpec } from '../../../shared/src/domain/run-spec.js';
import { loadDataset } from '../../../shared/src/ml/data/registry.js';
import { startEmbeddedCoordinator, type EmbeddedCoordinator } from '../../../test/support/embedded-coordinator.js';
import { main } from '../cli/program.js';
import { receiptJson } from '../cli/receipt-commands.js';
import { loadReceiptSigner } from './receipt-signer.js';
import { testSecurity } from '../../../shared/src/testing/test-security.js';

const logger = createLogger({ service: 'test', level: 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'lethe-receipts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the receipt signing key', () => {
  it('is one key for every replica when kept in the store (made once, even by two starting together)', async () => {
    const backend = new InMemoryStateBackend();
    const [a, b] = await Promise.all([0, 1].map(() => loadReceiptSigner({ store: backend.client(), key: '/k/receipt', logger })));
    expect(a?.keyId).toBe(b?.keyId);
    expect(a?.keyId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('comes from a PEM file when configured; anything but an Ed25519 private key is refused', async () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(join(dir, 'ed.pem'), pem);
    const store = new InMemoryStateBackend().client();
    const signer = await loadReceiptSigner({ keyFile: join(dir, 'ed.pem'), store, key: '/k', logger });
    expect(signer.publicKeyPem).toBe(createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString());
    expect(await store.get('/k')).toBeNull(); // nothing kept in the store
    writeFileSync(join(dir, 'ec.pem'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    await expect(loadReceiptSigner({ keyFile: join(dir, 'ec.pem'), store, key: '/k', logger })).rejects.toThrow(/Ed25519/);
    await expect(loadReceiptSigner({ keyFile: join(dir, 'missing.pem'), store, key: '/k', logger })).rejects.toThrow(/cannot read/);
  });
});

describe('signed receipts through the API and the CLI', () => {
  let cluster: EmbeddedCoordinator;
  const spec = { dataset: { builtin: 'blobs', samples: 300, features: 4, classes: 2 }, shards: 2, slices: 2, budget: 1 };
  beforeAll(async () => {
    cluster = await startEmbeddedCoordinator('/receipts/');
  });
  afterAll(() => cluster.close());

  it('every receipt the API returns verifies offline with the served key; a changed one does not', async () => {
    const { client } = cluster;
    await client.createRun({ requestId: '', runId: 'signed', spec });
    const data = loadDataset(parseRunSpec(spec).dataset);
    const ids = [0, 1, 2].map((i) => data.ids[data.split.user[i] as number] as string);
    const receipt = await client.deleteSamples('req-signed', 'runs/signed', ids);
    const key = await client.getReceiptKey();
    expect(key.algorithm).toBe('Ed25519');
    const publicKey = createPublicKey(key.publicKeyPem);
    expect(receipt.keyId).toBe(key.keyId);
    expect(verifyReceipt(receipt, publicKey)).toEqual({ ok: true });
    // Read back, listed, or replayed with the same request id: the same statement, still signed.
    expect(verifyReceipt((await client.getDeletion(receipt.name)).receipt ?? {}, publicKey)).toEqual({ ok: true });
    for (const d of (await client.listDeletions('runs/signed')).deletions) expect(verifyReceipt(d.receipt ?? {}, publicKey)).toEqual({ ok: true });
    const replay = await client.deleteSamples('req-signed', 'runs/signed', ids);
    expect(Buffer.from(replay.signature).equals(Buffer.from(receipt.signature))).toBe(true);

    // The CLI: a saved receipt checks offline; an edited one fails with exit status 1.
    const file = join(dir, 'receipt.json');
    const pem = join(dir, 'key.pem');
    writeFileSync(file, receiptJson(receipt));
    writeFileSync(pem, key.publicKeyPem);
    expect(await main(['receipt', 'verify', file, '--public-key', pem])).toBe(0);
    const edited = JSON.parse(readFileSync(file, 'utf8')) as { sampleCount: number };
    writeFileSync(file, JSON.stringify({ ...edited, sampleCount: edited.sampleCount - 1 }));
    expect(await main(['receipt', 'verify', file, '--public-key', pem])).toBe(1);
    // Online: the key fetched from the coordinator.
    writeFileSync(file, receiptJson(receipt));
    expect(await main([...(await testSecurity()).adminFlags, 'receipt', 'verify', file, '--coordinator', cluster.coordinator.address])).toBe(0);
  });
});
