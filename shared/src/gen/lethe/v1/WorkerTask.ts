// Original file: lethe/v1/admin.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';

export interface WorkerTask {
  'taskId'?: (string);
  'run'?: (string);
  'pretrain'?: (boolean);
  'shard'?: (number);
  'stage'?: (string);
  'sendTime'?: (_google_protobuf_Timestamp | null);
  'progressTime'?: (_google_protobuf_Timestamp | null);
  'fraction'?: (number | string);
  'silentSeconds'?: (number | string);
  'held'?: (boolean);
}

export interface WorkerTask__Output {
  'taskId': (string);
  'run': (string);
  'pretrain': (boolean);
  'shard': (number);
  'stage': (string);
  'sendTime': (_google_protobuf_Timestamp__Output | null);
  'progressTime': (_google_protobuf_Timestamp__Output | null);
  'fraction': (number);
  'silentSeconds': (number);
  'held': (boolean);
}
