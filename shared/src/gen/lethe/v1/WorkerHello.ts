// Original file: lethe/v1/worker.proto

import type { Long } from '@grpc/proto-loader';

export interface WorkerHello {
  'workerId'?: (string);
  'backend'?: (string);
  'gpu'?: (string);
  'slots'?: (number);
  'version'?: (string);
  'leaseId'?: (number | string | Long);
  'runningTaskIds'?: (string)[];
  'batchCapacity'?: (number);
}

export interface WorkerHello__Output {
  'workerId': (string);
  'backend': (string);
  'gpu': (string);
  'slots': (number);
  'version': (string);
  'leaseId': (string);
  'runningTaskIds': (string)[];
  'batchCapacity': (number);
}
