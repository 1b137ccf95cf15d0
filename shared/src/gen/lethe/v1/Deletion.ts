// Original file: lethe/v1/deletion.proto

import type { DeletionReceipt as _lethe_v1_DeletionReceipt, DeletionReceipt__Output as _lethe_v1_DeletionReceipt__Output } from '../../lethe/v1/DeletionReceipt.js';
import type { DeletionState as _lethe_v1_DeletionState, DeletionState__Output as _lethe_v1_DeletionState__Output } from '../../lethe/v1/DeletionState.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';

export interface Deletion {
  'receipt'?: (_lethe_v1_DeletionReceipt | null);
  'state'?: (_lethe_v1_DeletionState);
  'retrainCompleteTime'?: (_google_protobuf_Timestamp | null);
  'purgeCompleteTime'?: (_google_protobuf_Timestamp | null);
}

export interface Deletion__Output {
  'receipt': (_lethe_v1_DeletionReceipt__Output | null);
  'state': (_lethe_v1_DeletionState__Output);
  'retrainCompleteTime': (_google_protobuf_Timestamp__Output | null);
  'purgeCompleteTime': (_google_protobuf_Timestamp__Output | null);
}
