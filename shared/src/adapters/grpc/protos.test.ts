import { describe, expect, it } from 'vitest';
import { Server, ServerCredentials, credentials, type ServiceDefinition, status, type ServiceError } from '@grpc/grpc-js';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LETHE_PROTO_FILES, LETHE_SERVICES, loadLetheProtos } from './protos.js';
import { packageRoot } from '../../util/package-root.js';
import { fromServiceError, toServiceError } from './status.js';
import { ErrorCode, LetheError } from '../../errors/errors.js';
import type { DeletionServiceHandlers } from '../../gen/lethe/v1/DeletionService.js';

describe('the v1 API contract', () => {
  it('lists every .proto file under proto/lethe/v1', () => {
    const onDisk = readdirSync(join(packageRoot(), 'proto/lethe/v1')).map((f) => `lethe/v1/${f}`);
    expect(new Set(LETHE_PROTO_FILES.filter((f) => f.startsWith('lethe/')))).toEqual(new Set(onDisk));
  });

  it('loads every proto and every service has methods that compile into a grpc service', () => {
    const { packageDefinition } = loadLetheProtos();
    for (const name of LETHE_SERVICES) {
      const def = packageDefinition[name] as ServiceDefinition | undefined;
      expect(def, name).toBeDefined();
      const methods = Object.values(def ?? {});
      expect(methods.length, name).toBeGreaterThan(0);
      for (const m of methods) {
        expect(m.path.startsWith(`/${name}/`)).toBe(true);
        expect(typeof m.requestSerialize).toBe('function');
        expect(typeof m.responseDeserialize).toBe('function');
      }
      // addService validates the definition; a broken one throws here.
      const server = new Server();
      server.addService(def as ServiceDefinition, {});
    }
  });

  it('declares the deletion and worker protocol shapes the design relies on', () => {
    const { packageDefinition } = loadLetheProtos();
    const deletion = packageDefinition['lethe.v1.DeletionService'] as ServiceDefinition;
    expect(Object.keys(deletion).sort()).toEqual(['DeleteSamples', 'GetDeletion', 'GetReceiptKey', 'ListDeletions', 'WhereIs']);
    const attach = (packageDefinition['lethe.v1.WorkerProtocol'] as ServiceDefinition)['Attach'];
    expect(attach?.requestStream && attach.responseStream).toBe(true);
    expect((packageDefinition['lethe.v1.RunService'] as ServiceDefinition)['CreateRun']?.path).toBe('/lethe.v1.RunService/CreateRun');
  });

  it('round-trips a typed call and a typed error over a real loopback channel', async () => {
    const { grpc } = loadLetheProtos();
    const server = new Server();
    const handlers: Pick<DeletionServiceHandlers, 'DeleteSamples'> = {
      DeleteSamples: (call, callback) => {
        if (call.request.sampleIds.length === 0) {
          callback(toServiceError(new LetheError(ErrorCode.INVALID_ARGUMENT, 'sample_ids must not be empty')));
          return;
        }
        callback(null, { requestId: call.request.requestId, sampleCount: call.request.sampleIds.length, revision: '42' });
      },
    };
    server.addService(grpc.lethe.v1.DeletionService.service, handlers);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    const client = new grpc.lethe.v1.DeletionService(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      const receipt = await new Promise((resolve, reject) =>
        client.deleteSamples({ requestId: 'r1', run: 'runs/a', sampleIds: ['x', 'y'] }, (e, r) => (e ? reject(e) : resolve(r))),
      );
      expect(receipt).toMatchObject({ requestId: 'r1', sampleCount: 2, revision: '42' });
      const err = await new Promise<ServiceError>((resolve) =>
        client.deleteSamples({ requestId: 'r2', run: 'runs/a', sampleIds: [] }, (e) => resolve(e as ServiceError)),
      );
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      const back = fromServiceError(err);
      expect(back.code).toBe(ErrorCode.INVALID_ARGUMENT);
      expect(back.message).toContain('sample_ids must not be empty');
    } finally {
      client.close();
      server.forceShutdown();
    }
  });
});
