// Original file: lethe/v1/common.proto

import type { StageState as _lethe_v1_StageState, StageState__Output as _lethe_v1_StageState__Output } from '../../lethe/v1/StageState.js';
import type { SliceRef as _lethe_v1_SliceRef, SliceRef__Output as _lethe_v1_SliceRef__Output } from '../../lethe/v1/SliceRef.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';

export interface StageStatus {
  'stage'?: (number);
  'state'?: (_lethe_v1_StageState);
  'trainedOn'?: (_lethe_v1_SliceRef)[];
  'artifact'?: (string);
  'manifestHash'?: (string);
  'workerId'?: (string);
  'committedAt'?: (_google_protobuf_Timestamp | null);
  'failedAttempts'?: (number);
  'lastError'?: (string);
}

export interface StageStatus__Output {
  'stage': (number);
  'state': (_lethe_v1_StageState__Output);
  'trainedOn': (_lethe_v1_SliceRef__Output)[];
  'artifact': (string);
  'manifestHash': (string);
  'workerId': (string);
  'committedAt': (_google_protobuf_Timestamp__Output | null);
  'failedAttempts': (number);
  'lastError': (string);
}
