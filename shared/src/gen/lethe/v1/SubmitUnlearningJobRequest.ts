// Original file: lethe/v1/jobs.proto

import type { UnlearningMethod as _lethe_v1_UnlearningMethod, UnlearningMethod__Output as _lethe_v1_UnlearningMethod__Output } from '../../lethe/v1/UnlearningMethod.js';
import type { ForgetSet as _lethe_v1_ForgetSet, ForgetSet__Output as _lethe_v1_ForgetSet__Output } from '../../lethe/v1/ForgetSet.js';
import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from '../../google/protobuf/Struct.js';

export interface SubmitUnlearningJobRequest {
  'requestId'?: (string);
  'method'?: (_lethe_v1_UnlearningMethod);
  'model'?: (string);
  'forget'?: (_lethe_v1_ForgetSet | null);
  'parameters'?: (_google_protobuf_Struct | null);
}

export interface SubmitUnlearningJobRequest__Output {
  'requestId': (string);
  'method': (_lethe_v1_UnlearningMethod__Output);
  'model': (string);
  'forget': (_lethe_v1_ForgetSet__Output | null);
  'parameters': (_google_protobuf_Struct__Output | null);
}
