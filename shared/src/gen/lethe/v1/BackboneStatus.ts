// Original file: lethe/v1/runs.proto

import type { BackboneState as _lethe_v1_BackboneState, BackboneState__Output as _lethe_v1_BackboneState__Output } from '../../lethe/v1/BackboneState.js';

export interface BackboneStatus {
  'state'?: (_lethe_v1_BackboneState);
  'artifact'?: (string);
  'workerId'?: (string);
  'failedAttempts'?: (number);
  'lastError'?: (string);
}

export interface BackboneStatus__Output {
  'state': (_lethe_v1_BackboneState__Output);
  'artifact': (string);
  'workerId': (string);
  'failedAttempts': (number);
  'lastError': (string);
}
