// Original file: lethe/v1/worker.proto

import type { Long } from '@grpc/proto-loader';

export interface TaskProgress {
  'taskId'?: (string);
  'fraction'?: (number | string);
  'loss'?: (number | string);
  'samplesSeen'?: (number | string | Long);
}

export interface TaskProgress__Output {
  'taskId': (string);
  'fraction': (number);
  'loss': (number);
  'samplesSeen': (string);
}
