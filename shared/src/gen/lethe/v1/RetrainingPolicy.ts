// Original file: lethe/v1/runs.proto

import type { RetrainingPolicyKind as _lethe_v1_RetrainingPolicyKind, RetrainingPolicyKind__Output as _lethe_v1_RetrainingPolicyKind__Output } from '../../lethe/v1/RetrainingPolicyKind.js';
import type { RetrainingScope as _lethe_v1_RetrainingScope, RetrainingScope__Output as _lethe_v1_RetrainingScope__Output } from '../../lethe/v1/RetrainingScope.js';
import type { Long } from '@grpc/proto-loader';

export interface RetrainingPolicy {
  'kind'?: (_lethe_v1_RetrainingPolicyKind);
  'windowMs'?: (number | string | Long);
  'maxDeletions'?: (number);
  'minServingDepth'?: (number);
  'minCapacityLeft'?: (number | string | Long);
  'scope'?: (_lethe_v1_RetrainingScope);
  'reserveQuietMs'?: (number | string | Long);
}

export interface RetrainingPolicy__Output {
  'kind': (_lethe_v1_RetrainingPolicyKind__Output);
  'windowMs': (string);
  'maxDeletions': (number);
  'minServingDepth': (number);
  'minCapacityLeft': (string);
  'scope': (_lethe_v1_RetrainingScope__Output);
  'reserveQuietMs': (string);
}
