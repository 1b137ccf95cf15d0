// Original file: lethe/v1/common.proto

import type { Long } from '@grpc/proto-loader';

export interface SliceRef {
  'slice'?: (number);
  'generation'?: (number | string | Long);
}

export interface SliceRef__Output {
  'slice': (number);
  'generation': (string);
}
