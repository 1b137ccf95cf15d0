import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsArtifactStore } from '../../shared/src/adapters/fs/fs-artifact-store.js';
import { describeArtifactStoreContract } from './artifact-store.contract.js';

describeArtifactStoreContract('filesystem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lethe-artifacts-'));
  return Promise.resolve({ store: new FsArtifactStore(dir), dispose: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })) });
});
