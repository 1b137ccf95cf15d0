// Original file: lethe/v1/worker.proto

import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from '../../google/protobuf/Struct.js';
import type { Long } from '@grpc/proto-loader';

export interface TaskResult {
  'taskId'?: (string);
  'epoch'?: (number | string | Long);
  'ok'?: (boolean);
  'error'?: (string);
  'artifact'?: (string);
  'manifestHash'?: (string);
  'samplePasses'?: (number | string | Long);
  'seconds'?: (number | string);
  'metrics'?: (_google_protobuf_Struct | null);
}

export interface TaskResult__Output {
  'taskId': (string);
  'epoch': (string);
  'ok': (boolean);
  'error': (string);
  'artifact': (string);
  'manifestHash': (string);
  'samplePasses': (string);
  'seconds': (number);
  'metrics': (_google_protobuf_Struct__Output | null);
}
