// Original file: lethe/v1/deletion.proto

import type { ShardImpact as _lethe_v1_ShardImpact, ShardImpact__Output as _lethe_v1_ShardImpact__Output } from '../../lethe/v1/ShardImpact.js';
import type { StageRef as _lethe_v1_StageRef, StageRef__Output as _lethe_v1_StageRef__Output } from '../../lethe/v1/StageRef.js';
import type { ServingChoice as _lethe_v1_ServingChoice, ServingChoice__Output as _lethe_v1_ServingChoice__Output } from '../../lethe/v1/ServingChoice.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';
import type { Long } from '@grpc/proto-loader';

export interface DeletionReceipt {
  'name'?: (string);
  'requestId'?: (string);
  'sampleCount'?: (number);
  'shards'?: (_lethe_v1_ShardImpact)[];
  'deactivated'?: (_lethe_v1_StageRef)[];
  'serving'?: (_lethe_v1_ServingChoice)[];
  'revision'?: (number | string | Long);
  'retrainingScheduled'?: (_lethe_v1_StageRef)[];
  'acknowledgeTime'?: (_google_protobuf_Timestamp | null);
  'alreadyDeleted'?: (number);
  'signature'?: (Buffer | Uint8Array | string);
  'keyId'?: (string);
}

export interface DeletionReceipt__Output {
  'name': (string);
  'requestId': (string);
  'sampleCount': (number);
  'shards': (_lethe_v1_ShardImpact__Output)[];
  'deactivated': (_lethe_v1_StageRef__Output)[];
  'serving': (_lethe_v1_ServingChoice__Output)[];
  'revision': (string);
  'retrainingScheduled': (_lethe_v1_StageRef__Output)[];
  'acknowledgeTime': (_google_protobuf_Timestamp__Output | null);
  'alreadyDeleted': (number);
  'signature': (Buffer);
  'keyId': (string);
}
