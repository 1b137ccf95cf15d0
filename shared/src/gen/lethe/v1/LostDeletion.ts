// Original file: lethe/v1/runs.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';

export interface LostDeletion {
  'deletion'?: (string);
  'requestId'?: (string);
  'acknowledgeTime'?: (_google_protobuf_Timestamp | null);
}

export interface LostDeletion__Output {
  'deletion': (string);
  'requestId': (string);
  'acknowledgeTime': (_google_protobuf_Timestamp__Output | null);
}
