// Original file: lethe/v1/admin.proto

import type { WorkerState as _lethe_v1_WorkerState, WorkerState__Output as _lethe_v1_WorkerState__Output } from '../../lethe/v1/WorkerState.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';
import type { WorkerTask as _lethe_v1_WorkerTask, WorkerTask__Output as _lethe_v1_WorkerTask__Output } from '../../lethe/v1/WorkerTask.js';

export interface WorkerInfo {
  'name'?: (string);
  'state'?: (_lethe_v1_WorkerState);
  'backend'?: (string);
  'gpu'?: (string);
  'slots'?: (number);
  'runningTasks'?: (number);
  'lastHeartbeat'?: (_google_protobuf_Timestamp | null);
  'version'?: (string);
  'tasks'?: (_lethe_v1_WorkerTask)[];
}

export interface WorkerInfo__Output {
  'name': (string);
  'state': (_lethe_v1_WorkerState__Output);
  'backend': (string);
  'gpu': (string);
  'slots': (number);
  'runningTasks': (number);
  'lastHeartbeat': (_google_protobuf_Timestamp__Output | null);
  'version': (string);
  'tasks': (_lethe_v1_WorkerTask__Output)[];
}
