import { InMemoryStateBackend } from '../../shared/src/testing/in-memory-state-store.js';
import { describeStateStoreContract } from './state-store.contract.js';

describeStateStoreContract('in-memory twin', () => {
  const backend = new InMemoryStateBackend();
  return Promise.resolve({ client: () => Promise.resolve(backend.client()), dispose: () => Promise.resolve() });
});
