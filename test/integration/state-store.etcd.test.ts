import { startEtcdServer } from '../../shared/src/adapters/process/local-servers.js';
import { EtcdStateStore } from '../../shared/src/adapters/etcd/etcd-state-store.js';
import { describeStateStoreContract } from '../contract/state-store.contract.js';

describeStateStoreContract('etcd (real server)', async () => {
  const etcd = await startEtcdServer();
  return {
    client: () => Promise.resolve(new EtcdStateStore({ endpoints: [etcd.endpoint] })),
    dispose: () => etcd.stop(),
  };
});
