// Original file: lethe/v1/worker.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';

export interface Heartbeat {
  'sentAt'?: (_google_protobuf_Timestamp | null);
  'runningTasks'?: (number);
  'runningTaskIds'?: (string)[];
  'shuttingDown'?: (boolean);
}

export interface Heartbeat__Output {
  'sentAt': (_google_protobuf_Timestamp__Output | null);
  'runningTasks': (number);
  'runningTaskIds': (string)[];
  'shuttingDown': (boolean);
}
