import { startNatsServer } from '../../shared/src/adapters/process/local-servers.js';
import { NatsEventBus } from '../../shared/src/adapters/nats/nats-event-bus.js';
import { describeEventBusContract } from '../contract/event-bus.contract.js';

describeEventBusContract('NATS JetStream (real server)', async () => {
  const nats = await startNatsServer();
  const bus = await NatsEventBus.connect([nats.endpoint]);
  return { bus, settle: () => bus.flush(), dispose: () => nats.stop() };
});
