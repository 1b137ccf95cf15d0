// Original file: lethe/v1/runs.proto

import type { RetrainingPolicy as _lethe_v1_RetrainingPolicy, RetrainingPolicy__Output as _lethe_v1_RetrainingPolicy__Output } from '../../lethe/v1/RetrainingPolicy.js';

export interface UpdateRetrainingPolicyRequest {
  'name'?: (string);
  'policy'?: (_lethe_v1_RetrainingPolicy | null);
}

export interface UpdateRetrainingPolicyRequest__Output {
  'name': (string);
  'policy': (_lethe_v1_RetrainingPolicy__Output | null);
}
