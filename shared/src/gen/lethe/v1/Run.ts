// Original file: lethe/v1/runs.proto

import type { RunSpec as _lethe_v1_RunSpec, RunSpec__Output as _lethe_v1_RunSpec__Output } from '../../lethe/v1/RunSpec.js';
import type { RunState as _lethe_v1_RunState, RunState__Output as _lethe_v1_RunState__Output } from '../../lethe/v1/RunState.js';
import type { ShardStatus as _lethe_v1_ShardStatus, ShardStatus__Output as _lethe_v1_ShardStatus__Output } from '../../lethe/v1/ShardStatus.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';
import type { BackboneStatus as _lethe_v1_BackboneStatus, BackboneStatus__Output as _lethe_v1_BackboneStatus__Output } from '../../lethe/v1/BackboneStatus.js';
import type { LostDeletion as _lethe_v1_LostDeletion, LostDeletion__Output as _lethe_v1_LostDeletion__Output } from '../../lethe/v1/LostDeletion.js';
import type { Long } from '@grpc/proto-loader';

export interface Run {
  'name'?: (string);
  'spec'?: (_lethe_v1_RunSpec | null);
  'state'?: (_lethe_v1_RunState);
  'salt'?: (string);
  'shards'?: (_lethe_v1_ShardStatus)[];
  'createTime'?: (_google_protobuf_Timestamp | null);
  'revision'?: (number | string | Long);
  'userSamples'?: (number | string | Long);
  'publicSamples'?: (number | string | Long);
  'trainSamplePasses'?: (number | string | Long);
  'discardedSamplePasses'?: (number | string | Long);
  'backbone'?: (_lethe_v1_BackboneStatus | null);
  'lostDeletionCount'?: (number);
  'lostDeletions'?: (_lethe_v1_LostDeletion)[];
}

export interface Run__Output {
  'name': (string);
  'spec': (_lethe_v1_RunSpec__Output | null);
  'state': (_lethe_v1_RunState__Output);
  'salt': (string);
  'shards': (_lethe_v1_ShardStatus__Output)[];
  'createTime': (_google_protobuf_Timestamp__Output | null);
  'revision': (string);
  'userSamples': (string);
  'publicSamples': (string);
  'trainSamplePasses': (string);
  'discardedSamplePasses': (string);
  'backbone': (_lethe_v1_BackboneStatus__Output | null);
  'lostDeletionCount': (number);
  'lostDeletions': (_lethe_v1_LostDeletion__Output)[];
}
