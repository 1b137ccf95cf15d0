// Original file: lethe/v1/admin.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';

export interface TokenInfo {
  'name'?: (string);
  'subject'?: (string);
  'roles'?: (string)[];
  'createTime'?: (_google_protobuf_Timestamp | null);
  'expireTime'?: (_google_protobuf_Timestamp | null);
  'createdBy'?: (string);
}

export interface TokenInfo__Output {
  'name': (string);
  'subject': (string);
  'roles': (string)[];
  'createTime': (_google_protobuf_Timestamp__Output | null);
  'expireTime': (_google_protobuf_Timestamp__Output | null);
  'createdBy': (string);
}
