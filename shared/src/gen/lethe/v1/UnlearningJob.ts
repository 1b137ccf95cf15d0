// Original file: lethe/v1/jobs.proto

import type { UnlearningMethod as _lethe_v1_UnlearningMethod, UnlearningMethod__Output as _lethe_v1_UnlearningMethod__Output } from '../../lethe/v1/UnlearningMethod.js';
import type { JobState as _lethe_v1_JobState, JobState__Output as _lethe_v1_JobState__Output } from '../../lethe/v1/JobState.js';
import type { UnlearningMetrics as _lethe_v1_UnlearningMetrics, UnlearningMetrics__Output as _lethe_v1_UnlearningMetrics__Output } from '../../lethe/v1/UnlearningMetrics.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';
import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from '../../google/protobuf/Struct.js';
import type { ForgetSet as _lethe_v1_ForgetSet, ForgetSet__Output as _lethe_v1_ForgetSet__Output } from '../../lethe/v1/ForgetSet.js';
import type { Long } from '@grpc/proto-loader';

export interface UnlearningJob {
  'name'?: (string);
  'method'?: (_lethe_v1_UnlearningMethod);
  'model'?: (string);
  'state'?: (_lethe_v1_JobState);
  'workerId'?: (string);
  'attempt'?: (number);
  'progress'?: (number | string);
  'resultArtifact'?: (string);
  'metrics'?: (_lethe_v1_UnlearningMetrics | null);
  'failure'?: (string);
  'createTime'?: (_google_protobuf_Timestamp | null);
  'endTime'?: (_google_protobuf_Timestamp | null);
  'parameters'?: (_google_protobuf_Struct | null);
  'originalMetrics'?: (_lethe_v1_UnlearningMetrics | null);
  'originalArtifact'?: (string);
  'forget'?: (_lethe_v1_ForgetSet | null);
  'forgetCount'?: (number | string | Long);
  'phase'?: (string);
  'loss'?: (number | string);
  'preemptions'?: (number);
  'diagnostics'?: (_google_protobuf_Struct | null);
  'requestId'?: (string);
  'forgetList'?: (string);
}

export interface UnlearningJob__Output {
  'name': (string);
  'method': (_lethe_v1_UnlearningMethod__Output);
  'model': (string);
  'state': (_lethe_v1_JobState__Output);
  'workerId': (string);
  'attempt': (number);
  'progress': (number);
  'resultArtifact': (string);
  'metrics': (_lethe_v1_UnlearningMetrics__Output | null);
  'failure': (string);
  'createTime': (_google_protobuf_Timestamp__Output | null);
  'endTime': (_google_protobuf_Timestamp__Output | null);
  'parameters': (_google_protobuf_Struct__Output | null);
  'originalMetrics': (_lethe_v1_UnlearningMetrics__Output | null);
  'originalArtifact': (string);
  'forget': (_lethe_v1_ForgetSet__Output | null);
  'forgetCount': (string);
  'phase': (string);
  'loss': (number);
  'preemptions': (number);
  'diagnostics': (_google_protobuf_Struct__Output | null);
  'requestId': (string);
  'forgetList': (string);
}
