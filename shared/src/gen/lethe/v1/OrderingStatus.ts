// Original file: lethe/v1/common.proto

import type { StageStatus as _lethe_v1_StageStatus, StageStatus__Output as _lethe_v1_StageStatus__Output } from '../../lethe/v1/StageStatus.js';

export interface OrderingStatus {
  'index'?: (number);
  'slices'?: (number)[];
  'survivingDepth'?: (number);
  'stages'?: (_lethe_v1_StageStatus)[];
}

export interface OrderingStatus__Output {
  'index': (number);
  'slices': (number)[];
  'survivingDepth': (number);
  'stages': (_lethe_v1_StageStatus__Output)[];
}
