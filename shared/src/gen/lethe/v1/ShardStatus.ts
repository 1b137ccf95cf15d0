// Original file: lethe/v1/common.proto

import type { OrderingStatus as _lethe_v1_OrderingStatus, OrderingStatus__Output as _lethe_v1_OrderingStatus__Output } from '../../lethe/v1/OrderingStatus.js';
import type { ServingChoice as _lethe_v1_ServingChoice, ServingChoice__Output as _lethe_v1_ServingChoice__Output } from '../../lethe/v1/ServingChoice.js';
import type { Long } from '@grpc/proto-loader';

export interface ShardStatus {
  'shard'?: (number);
  'taintedSlices'?: (number)[];
  'orderings'?: (_lethe_v1_OrderingStatus)[];
  'serving'?: (_lethe_v1_ServingChoice | null);
  'sliceSizes'?: (number | string | Long)[];
}

export interface ShardStatus__Output {
  'shard': (number);
  'taintedSlices': (number)[];
  'orderings': (_lethe_v1_OrderingStatus__Output)[];
  'serving': (_lethe_v1_ServingChoice__Output | null);
  'sliceSizes': (string)[];
}
