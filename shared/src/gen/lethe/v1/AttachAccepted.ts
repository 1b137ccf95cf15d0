// Original file: lethe/v1/worker.proto

import type { Long } from '@grpc/proto-loader';

export interface AttachAccepted {
  'coordinatorId'?: (string);
  'heartbeatIntervalMs'?: (number | string | Long);
}

export interface AttachAccepted__Output {
  'coordinatorId': (string);
  'heartbeatIntervalMs': (string);
}
