// Original file: lethe/v1/runs.proto

import type { Long } from '@grpc/proto-loader';

export interface GetRunRequest {
  'name'?: (string);
  'minRevision'?: (number | string | Long);
  'maxStalenessMs'?: (number);
}

export interface GetRunRequest__Output {
  'name': (string);
  'minRevision': (string);
  'maxStalenessMs': (number);
}
