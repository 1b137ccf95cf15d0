import { LetheClient } from '../client/lethe-client.js';
import { defaultCoordinator } from './address.js';

/** Table style of every CLI table: no colours, so output reads the same in a terminal, a log or a pipe. */
export const PLAIN = { head: [] as string[], border: [] as string[] };

/** The --coordinator option of every client verb (spread into `.option(...)`). */
export const COORDINATOR_OPTION = ['--coordinator <host:port>', 'coordinator address (default: LETHE_COORDINATOR, then the one `lethe up` started)', defaultCoordinator()] as const;

/** Runs f with a client of the coordinator at `address`, closed afterwards. */
export async function withClient<T>(address: string, f: (c: LetheClient) => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const c = new LetheClient(address, timeoutMs);
  try {
    return await f(c);
  } finally {
    c.close();
  }
}
