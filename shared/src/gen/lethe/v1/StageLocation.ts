// Original file: lethe/v1/deletion.proto

import type { StageRef as _lethe_v1_StageRef, StageRef__Output as _lethe_v1_StageRef__Output } from '../../lethe/v1/StageRef.js';
import type { StageState as _lethe_v1_StageState, StageState__Output as _lethe_v1_StageState__Output } from '../../lethe/v1/StageState.js';

export interface StageLocation {
  'stage'?: (_lethe_v1_StageRef | null);
  'state'?: (_lethe_v1_StageState);
}

export interface StageLocation__Output {
  'stage': (_lethe_v1_StageRef__Output | null);
  'state': (_lethe_v1_StageState__Output);
}
