// Original file: lethe/v1/worker.proto

import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from '../../google/protobuf/Struct.js';

export interface JobTask {
  'job'?: (string);
  'method'?: (string);
  'model'?: (string);
  'parameters'?: (_google_protobuf_Struct | null);
}

export interface JobTask__Output {
  'job': (string);
  'method': (string);
  'model': (string);
  'parameters': (_google_protobuf_Struct__Output | null);
}
