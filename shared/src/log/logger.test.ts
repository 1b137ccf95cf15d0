import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from './logger.js';

function capture(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, stream };
}

describe('createLogger', () => {
  it('writes structured lines with service, component and redacted secrets', async () => {
    const { lines, stream } = capture();
    const log = createLogger({ service: 'coordinator', destination: stream }).child({ component: 'scheduler' });
    log.info({ shard: 3, token: 'hunter2' }, 'stage assigned');
    log.error({ err: new Error('boom') }, 'commit failed');
    await new Promise((r) => setImmediate(r));
    expect(lines[0]).toMatchObject({ service: 'coordinator', component: 'scheduler', shard: 3, token: '[Redacted]', msg: 'stage assigned' });
    expect(lines[1]).toMatchObject({ level: 50, err: { type: 'Error', message: 'boom' } });
  });
});
