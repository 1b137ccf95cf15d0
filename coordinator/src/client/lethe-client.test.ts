import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../shared/src/adapters/process/local-servers.js';
import { InMemoryStateBackend } from '../../../shared/src/testing/in-memory-state-store.js';
import { LetheError } from '../../../shared/src/errors/errors.js';
import { startInProcessCoordinator, type InProcessCoordinator } from '../../../test/support/in-process.js';
import { eventually } from '../../../test/support/eventually.js';
import { LetheClient } from './lethe-client.js';
import { testSecurity } from '../../../shared/src/testing/test-security.js';

describe('LetheClient.deleteWithRetries (the typed client for services)', () => {
  const started: InProcessCoordinator[] = [];
  afterAll(async () => {
    for (const s of started) await s.dispose();
  });

  it('retries while the coordinator is unreachable, with one request id, and fails at once on a bad request', async () => {
    const port = await freePort();
    const backend = new InMemoryStateBackend();
    const first = await startInProcessCoordinator(backend.client(), { listen: `127.0.0.1:${port}` });
    await first.client.createRun({ requestId: '', runId: 'r', spec: { dataset: { builtin: 'blobs', samples: 1000, features: 4, classes: 2 }, shards: 1, slices: 1, budget: 1 } });
    await first.dispose();
    // Nothing listens now: the first attempts answer UNAVAILABLE; a coordinator comes back on the same state meanwhile.
    const client = new LetheClient(`127.0.0.1:${port}`, (await testSecurity()).admin, 2000);
    const pending = client.deleteWithRetries('runs/r', ['blob-500'], { requestId: 'svc-1', attempts: 30, backoffMs: 100 });
    await new Promise((r) => setTimeout(r, 500));
    started.push(await startInProcessCoordinator(backend.client(), { listen: `127.0.0.1:${port}` }));
    const receipt = await pending;
    expect(receipt.sampleCount).toBe(1);
    // The same request id again replays the receipt; nothing is deleted twice.
    const again = await client.deleteWithRetries('runs/r', ['blob-500'], { requestId: 'svc-1' });
    expect(again.name).toBe(receipt.name);
    const bad = await client.deleteWithRetries('runs/r', ['not-a-sample'], { attempts: 5 }).catch((e: unknown) => e);
    expect(bad instanceof LetheError && bad.code).toBe('INVALID_ARGUMENT');
    await eventually('deletion listed once', 5000, async () => (await client.listDeletions('runs/r')).deletions.length === 1);
    client.close();
  });
});
