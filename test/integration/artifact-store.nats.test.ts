import { startNatsServer } from '../../shared/src/adapters/process/local-servers.js';
import { NatsArtifactStore } from '../../shared/src/adapters/nats/nats-artifact-store.js';
import { describeArtifactStoreContract } from '../contract/artifact-store.contract.js';

describeArtifactStoreContract('NATS object store (real server)', async () => {
  const nats = await startNatsServer();
  const store = await NatsArtifactStore.connect([nats.endpoint]);
  return {
    store,
    dispose: async () => {
      await store.close();
      await nats.stop();
    },
  };
});
