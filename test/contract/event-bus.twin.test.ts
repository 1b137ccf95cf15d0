import { InMemoryEventBus } from '../../shared/src/testing/in-memory-event-bus.js';
import { describeEventBusContract } from './event-bus.contract.js';

describeEventBusContract('in-memory twin', () => Promise.resolve({ bus: new InMemoryEventBus(), settle: () => Promise.resolve(), dispose: () => Promise.resolve() }));
